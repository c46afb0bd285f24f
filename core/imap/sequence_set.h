#pragma once
// sequence-set (RFC 3501 section 9): "1,3:5,7:*". Ranges are kept as written; resolving
// against a mailbox turns them into message numbers or UIDs. "*" is the largest number
// in use; a range is unordered ("5:2" is "2:5"); for UIDs "559:*" always includes the
// last message even when 559 is above every UID.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::core {

class SequenceSet {
  public:
    static constexpr std::uint32_t kStar = 0;  // 0 is never a valid number

    struct Range {
        std::uint32_t first;
        std::uint32_t last;
    };

    static std::optional<SequenceSet> parse(std::string_view text);
    static SequenceSet single(std::uint32_t n) { return SequenceSet({{n, n}}); }
    static SequenceSet fromSorted(const std::vector<std::uint32_t>& values);

    const std::vector<Range>& ranges() const { return ranges_; }
    bool empty() const { return ranges_.empty(); }

    // Sequence numbers in 1..count, ascending and unique. Returns false when a number
    // (other than through "*") lies beyond count: the set is invalid for this mailbox.
    bool resolveSequence(std::uint32_t count, std::vector<std::uint32_t>& out) const;
    // UIDs that exist among `uids` (ascending), ascending.
    std::vector<std::uint32_t> resolveUids(const std::vector<std::uint32_t>& uids) const;
    // Whether n lies in the set, with "*" meaning `star`.
    bool contains(std::uint32_t n, std::uint32_t star) const;

    // The compact text form, e.g. "1:3,7" (for COPYUID, ESEARCH).
    std::string toString() const;

  private:
    explicit SequenceSet(std::vector<Range> ranges) : ranges_(std::move(ranges)) {}
    SequenceSet() = default;
    std::vector<Range> ranges_;
};

}  // namespace maildex::core
