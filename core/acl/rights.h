#pragma once
// A set of RFC 4314 rights, as Courier keeps them in courierimapacl and shows them on the
// wire.
//
// The letters (RFC 4314 2.1): l lookup, r read, s keep \Seen, w write other flags,
// i insert, p post, k create mailboxes, x delete mailbox, t delete messages, e expunge,
// a administer. Courier predates RFC 4314's split of RFC 2086's "c" (create) and "d"
// (delete): it stores "c" for creating subfolders and the three letters "x", "t", "e"
// for deleting. So the create right is stored as "c" (and "k" from a client means "c"),
// and the delete rights are stored as "x", "t", "e" (and "d" from a client means all
// three), which is what Courier's imapd does with them. Letters nobody knows are kept,
// as Courier keeps them.

#include <cstdint>
#include <string>
#include <string_view>

namespace maildex::core::acl {

class Rights {
  public:
    Rights() = default;
    // Exactly these letters (lower-case letters and digits; anything else is ignored).
    static Rights of(std::string_view letters);
    // Letters as a client sends them in SETACL: "d" stands for "xte", "k" for "c"
    // (RFC 4314 2.1.1). Returns false (and leaves `out` alone) for a byte that cannot be
    // a right: upper-case letters, punctuation, blanks.
    static bool parseClient(std::string_view letters, Rights& out);

    bool has(char right) const { return (bits_ & bit(right)) != 0; }
    bool hasAll(Rights r) const { return (bits_ & r.bits_) == r.bits_; }
    bool hasAny(Rights r) const { return (bits_ & r.bits_) != 0; }
    bool empty() const { return bits_ == 0; }

    Rights operator|(Rights r) const { return Rights(bits_ | r.bits_); }
    Rights operator-(Rights r) const { return Rights(bits_ & ~r.bits_); }
    Rights operator&(Rights r) const { return Rights(bits_ & r.bits_); }
    Rights& operator|=(Rights r) {
        bits_ |= r.bits_;
        return *this;
    }
    bool operator==(const Rights&) const = default;

    // The letters in byte order, as courierimapacl stores them ("aceilrstwx").
    std::string stored() const;
    // As Courier's imapd shows them in ACL, MYRIGHTS and LISTRIGHTS: "x", "t" and "e"
    // together read "d" (RFC 2086's delete), so all rights read "acdilrsw".
    std::string shown() const;

  private:
    explicit Rights(std::uint64_t bits) : bits_(bits) {}
    static std::uint64_t bit(char right);
    std::uint64_t bits_ = 0;
};

// Every right Courier knows (maildiraclt.h's ACL_ALL).
inline const Rights kAllRights = Rights::of("aceilrstwx");

}  // namespace maildex::core::acl
