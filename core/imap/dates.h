#pragma once
// IMAP date formats (RFC 3501 section 9): date-time "dd-Mon-yyyy hh:mm:ss +zzzz" for
// INTERNALDATE and APPEND, and date "d-Mon-yyyy" for SEARCH.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maildex::core {

// INTERNALDATE text for a Unix time, in the server's local time zone.
std::string formatDateTime(std::int64_t unixTime);
// Parses a date-time; the result is a Unix time.
std::optional<std::int64_t> parseDateTime(std::string_view text);
// Parses a SEARCH date; the result is the Unix time of 00:00 UTC that day (days compare
// in whole days, so the zone does not matter for ordering).
std::optional<std::int64_t> parseDate(std::string_view text);

// The calendar day of a moment as seen `offsetSeconds` east of UTC, in the same form as
// parseDate (00:00 UTC of that day). SEARCH BEFORE/ON/SINCE compare days (RFC 3501
// 6.4.4: "disregarding time and timezone").
std::int64_t dayOf(std::int64_t unixTime, std::int64_t offsetSeconds);
// The server's local offset at that moment (INTERNALDATE is shown in local time).
std::int64_t localOffset(std::int64_t unixTime);

}  // namespace maildex::core
