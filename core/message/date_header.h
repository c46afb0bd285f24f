#pragma once
// The Date: header field (RFC 5322 3.3, with the obsolete forms of 4.3 real mail still
// carries): the moment, and the zone it was written in. SORT by DATE and SEARCH SENT*
// need both.

#include <cstdint>
#include <optional>
#include <string_view>

namespace maildex::core {

struct HeaderDate {
    std::int64_t unixTime;
    std::int64_t offsetSeconds;  // the zone of the text, east of UTC
};

std::optional<HeaderDate> parseHeaderDate(std::string_view value);

}  // namespace maildex::core
