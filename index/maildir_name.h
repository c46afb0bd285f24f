#pragma once
// Maildir message file names: "<base>[:2,<letters>[,<tail>]]".
//
// The base name identifies a message for its whole life; the info part after ':' carries
// the flags and changes with every flag change (a rename). Sizes may be encoded in the
// base name as ",S=<bytes on disk>" and ",W=<bytes with CRLF line ends>" (Courier writes
// S, Dovecot both). Letters we do not interpret and any ",tail" after the letters are
// kept exactly, so a rename never drops what another program wrote.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/flags.h"

namespace maildex::index {

class MaildirName {
  public:
    // Parses a directory entry name. Never fails: a name without ":2," has no flags.
    static MaildirName parse(std::string_view filename);

    const std::string& base() const { return base_; }
    SystemFlags flags() const { return flags_; }
    const std::string& otherLetters() const { return otherLetters_; }
    bool hasInfo() const { return hasInfo_; }

    // The full file name with `flags` (other letters and tail kept). A name that had an
    // info part Maildex does not understand (not "2,") is returned unchanged.
    std::string withFlags(SystemFlags flags) const;
    // The name as it is now.
    std::string filename() const { return withFlags(flags_); }

    // The text after ':' as the index stores it ("2,FS", "2,PSa,foo"), or "" when the
    // name has no info part.
    std::string infoText() const;

  private:
    std::string base_;
    bool hasInfo_ = false;
    bool foreignInfo_ = false;  // info present but not "2,..."; kept verbatim
    std::string rawInfo_;       // text after ':' when foreignInfo_
    SystemFlags flags_ = 0;
    std::string otherLetters_;
    std::string tail_;  // ",..." after the letters, without the comma
};

// The system flags of a file name's info part (the text after ':'), as
// MaildirName::parse(base + ":" + info).flags() gives them, without building the name.
SystemFlags flagsOfInfo(std::string_view info);

// The value of ",<key>=<digits>" in a base name, e.g. sizeField(base, 'S').
std::optional<std::uint64_t> sizeField(std::string_view base, char key);

// Courier's ordering of new files (imapscanclient.c fnamcmp): the leading decimal number
// (the delivery second) compared as an integer, then the rest byte by byte up to ':'.
// Returns <0, 0, >0.
int compareDeliveryOrder(std::string_view a, std::string_view b);

// The same order as a precomputed key, for sorting many names.
struct DeliveryOrderKey {
    std::uint64_t seconds;
    std::string_view rest;  // up to ':'
    bool operator<(const DeliveryOrderKey& o) const {
        return seconds != o.seconds ? seconds < o.seconds : rest < o.rest;
    }
};
DeliveryOrderKey deliveryOrderKey(std::string_view name);

// A name for a new message as the Maildir rules require:
// "<sec>.M<usec>P<pid>V<dev>I<ino>_<n>.<host>,S=<size>". `dev` and `ino` are those of the
// file already written in tmp/, which makes the name unique on this host.
std::string newMessageBase(std::int64_t sec, std::int64_t usec, std::uint64_t dev,
                           std::uint64_t ino, std::uint64_t size);

// The integer key the index finds a base name by (not unique: lookups compare the name
// too). The delivery second the name starts with fills the high bits and a hash of the
// rest the low 20, so keys grow in delivery order like UIDs do and the index is filled
// almost in order: SQLite then appends instead of inserting all over its B-tree, which
// halves the cost of numbering a large folder.
std::int64_t baseNameKey(std::string_view base);

// This host's name as Maildir file names spell it ('/' and ':' escaped as \057 and \072).
const std::string& maildirHostname();

}  // namespace maildex::index
