#include "core/imap/dates.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "core/imap/ascii.h"

namespace maildex::core {

namespace {
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int monthIndex(std::string_view m) {
    for (int i = 0; i < 12; ++i)
        if (ascii::iequals(m, kMonths[i])) return i;
    return -1;
}

bool digits(std::string_view s, int& out) {
    if (s.empty() || s.size() > 4) return false;
    out = 0;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        out = out * 10 + (c - '0');
    }
    return true;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), after Howard Hinnant's algorithm.
std::int64_t daysFromCivil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool validDay(int y, int m, int d) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d >= 1 && d <= kDays[m] + (m == 1 && leap ? 1 : 0);
}
}  // namespace

std::int64_t dayOf(std::int64_t unixTime, std::int64_t offsetSeconds) {
    std::int64_t local = unixTime + offsetSeconds;
    std::int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    return days * 86400;
}

std::int64_t localOffset(std::int64_t unixTime) {
    std::time_t t = static_cast<std::time_t>(unixTime);
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm.tm_gmtoff;
}

std::string formatDateTime(std::int64_t unixTime) {
    std::time_t t = static_cast<std::time_t>(unixTime);
    std::tm tm{};
    localtime_r(&t, &tm);
    long off = tm.tm_gmtoff / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02d-%s-%04d %02d:%02d:%02d %c%02ld%02ld", tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign,
                  off / 60, off % 60);
    return buf;
}

std::optional<std::int64_t> parseDate(std::string_view text) {
    // date-day "-" date-month "-" date-year; date-day is 1 or 2 digits.
    size_t a = text.find('-');
    if (a == std::string_view::npos) return std::nullopt;
    size_t b = text.find('-', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    int day = 0, year = 0;
    int month = monthIndex(text.substr(a + 1, b - a - 1));
    if (a > 2 || !digits(text.substr(0, a), day) || month < 0 || text.size() - b - 1 != 4 ||
        !digits(text.substr(b + 1), year) || !validDay(year, month, day))
        return std::nullopt;
    return daysFromCivil(year, static_cast<unsigned>(month + 1), static_cast<unsigned>(day)) *
           86400;
}

std::optional<std::int64_t> parseDateTime(std::string_view text) {
    // "dd-Mon-yyyy hh:mm:ss +zzzz", day may have a leading space instead of a digit.
    if (text.size() != 26 || text[11] != ' ' || text[14] != ':' || text[17] != ':' ||
        text[20] != ' ')
        return std::nullopt;
    std::string day(text.substr(0, 2));
    if (day[0] == ' ') day.erase(0, 1);
    auto date = parseDate(day + std::string(text.substr(2, 9)));
    int hh, mm, ss, zone;
    if (!date || !digits(text.substr(12, 2), hh) || !digits(text.substr(15, 2), mm) ||
        !digits(text.substr(18, 2), ss) || (text[21] != '+' && text[21] != '-') ||
        !digits(text.substr(22, 4), zone) || hh > 23 || mm > 59 || ss > 60 || zone % 100 > 59)
        return std::nullopt;
    std::int64_t offset = (zone / 100 * 60 + zone % 100) * 60;
    if (text[21] == '-') offset = -offset;
    return *date + hh * 3600 + mm * 60 + ss - offset;
}

}  // namespace maildex::core
