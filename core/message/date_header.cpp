#include "core/message/date_header.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timezone.h>

#include <algorithm>
#include <string>
#include <vector>

namespace maildex::core {

namespace {

// Comments ("(UTC)", "(Pacific Standard Time)") and folding are not part of the date.
std::string withoutComments(std::string_view v) {
    std::string out;
    int depth = 0;
    for (char c : v) {
        if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0) {
            out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
        }
    }
    size_t a = out.find_first_not_of(' ');
    size_t b = out.find_last_not_of(' ');
    return a == std::string::npos ? std::string() : out.substr(a, b - a + 1);
}

}  // namespace

std::optional<HeaderDate> parseHeaderDate(std::string_view value) {
    // Poco reads month and zone names and does the calendar arithmetic, but accepts
    // almost anything for almost any format. So the date is first taken apart here and
    // put back together in the one canonical form, which Poco then reads strictly.
    std::vector<std::string> tokens;
    {
        std::string text = withoutComments(value), cur;
        for (char c : text) {
            if (c == ' ' || c == ',') {
                if (!cur.empty()) tokens.push_back(std::move(cur));
                cur.clear();
            } else {
                cur += c;
            }
        }
        if (!cur.empty()) tokens.push_back(std::move(cur));
    }
    auto isDigits = [](const std::string& t) {
        return !t.empty() &&
               std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    size_t i = 0;
    if (i < tokens.size() && !isDigits(tokens[i])) ++i;  // weekday
    if (tokens.size() < i + 4) return std::nullopt;
    const std::string& day = tokens[i];
    const std::string& month = tokens[i + 1];
    std::string year = tokens[i + 2];
    std::string time = tokens[i + 3];
    std::string zone = tokens.size() > i + 4 ? tokens[i + 4] : "-0000";
    if (!isDigits(day) || day.size() > 2 || month.size() < 3 || !isDigits(year))
        return std::nullopt;
    // RFC 5322 4.3: two-digit years below 50 are 20xx, others and three-digit 19xx.
    if (year.size() == 2) year = (std::stoi(year) < 50 ? "20" : "19") + year;
    if (year.size() == 3) year = std::to_string(1900 + std::stoi(year));
    if (year.size() != 4) return std::nullopt;
    int colons = static_cast<int>(std::count(time.begin(), time.end(), ':'));
    if (colons == 1) time += ":00";
    if (colons < 1 || colons > 2) return std::nullopt;
    std::string canonical = day + " " + month.substr(0, 3) + " " + year + " " + time + " " + zone;
    Poco::DateTime dt;
    int tzd = 0;
    if (!Poco::DateTimeParser::tryParse("%e %b %Y %H:%M:%S %Z", canonical, dt, tzd))
        return std::nullopt;
    if (dt.year() != std::stoi(year)) return std::nullopt;  // Poco accepted something else
    dt.makeUTC(tzd);
    return HeaderDate{dt.timestamp().epochTime(), tzd};
}

}  // namespace maildex::core
