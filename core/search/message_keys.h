#pragma once
// What SORT and THREAD compare about a message (RFC 5256, RFC 5957), computed from its
// header one key at a time, so a command computes only what it needs.
//
// Where the RFCs leave open which of several fields of one name counts, the first does,
// as in Dovecot (a message normally has one of each).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mime/header_fields.h"

namespace maildex::core::search {

// The keys, numbered as the index's cache stores them (index::CachedValue fields). A key
// whose computation changes takes a new number, so that values computed the old way are
// never used again.
enum class SortKey : std::uint32_t {
    SentDate = 1,     // number: the Date field in Unix time (UTC); none if it has no valid date
    Subject = 2,      // bytes: the base subject; number: 1 for a reply or forward
    From = 3,         // bytes: the first From address's addr-mailbox
    To = 4,           // ... To
    Cc = 5,           // ... Cc
    DisplayFrom = 6,  // bytes: the first From address's display name (RFC 5957)
    DisplayTo = 7,    // ... To
    ThreadIds = 8,    // bytes: the message-id, then its references, each ending in '\n'
};

struct KeyValue {
    std::optional<std::int64_t> number;
    std::string bytes;
};

KeyValue computeKey(SortKey key, const std::vector<mime::HeaderField>& header);

// The valid message-ids in a field value, normalized (RFC 5256 section 3: the quoting of
// a msg-id must not matter): "<"a.b"@c>" and "<a.b@c>" are both "a.b@c". Text that is no
// msg-id is skipped.
std::vector<std::string> messageIds(std::string_view value);

// ThreadIds, taken apart.
struct ThreadIds {
    std::string messageId;  // empty when the message has no valid one
    std::vector<std::string> references;
};
ThreadIds decodeThreadIds(std::string_view bytes);

}  // namespace maildex::core::search
