#include "base/log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <mutex>

namespace maildex::log {

namespace {
std::mutex mu;
Sink& sink() {
    static Sink s;
    return s;
}
std::atomic<Level> minimum{Level::Info};

const char* name(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warn";
        case Level::Error:
            return "error";
    }
    return "?";
}

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629, table 3-7
// of Unicode), or 0 when its first byte does not start one.
std::size_t utf8Length(std::string_view s) {
    auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    auto tail = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xbf) {
        return i < s.size() && at(i) >= lo && at(i) <= hi;
    };
    unsigned char c = at(0);
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return tail(1) ? 2 : 0;
    if (c == 0xe0) return tail(1, 0xa0) && tail(2) ? 3 : 0;        // no overlong
    if (c == 0xed) return tail(1, 0x80, 0x9f) && tail(2) ? 3 : 0;  // no surrogates
    if (c >= 0xe1 && c <= 0xef) return tail(1) && tail(2) ? 3 : 0;
    if (c == 0xf0) return tail(1, 0x90) && tail(2) && tail(3) ? 4 : 0;  // no overlong
    if (c >= 0xf1 && c <= 0xf3) return tail(1) && tail(2) && tail(3) ? 4 : 0;
    if (c == 0xf4) return tail(1, 0x80, 0x8f) && tail(2) && tail(3) ? 4 : 0;  // <= U+10FFFF
    return 0;
}

// Well-formed characters that still must not reach a line as they are: C1 controls
// (U+0080-U+009F), the line and paragraph separators (U+2028, U+2029) and the
// bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
bool unsafeCharacter(std::string_view seq) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(seq[i]); };
    if (seq.size() == 2) return b(0) == 0xc2 && b(1) <= 0x9f;
    if (seq.size() != 3 || b(0) != 0xe2) return false;
    if (b(1) == 0x80) return b(2) >= 0xa8 && b(2) <= 0xae;
    if (b(1) == 0x81) return b(2) >= 0xa6 && b(2) <= 0xa9;
    return false;
}

void appendHex(std::string& out, unsigned char c) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 15];
}

}  // namespace

std::string escape(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    std::size_t i = 0;
    while (i < message.size()) {
        auto c = static_cast<unsigned char>(message[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t n = c < 0x80 ? 0 : utf8Length(message.substr(i));
        if (n == 0 || unsafeCharacter(message.substr(i, n))) {
            // A control character, a stray byte, or a whole unsafe character byte by byte.
            for (std::size_t k = 0; k < std::max<std::size_t>(n, 1); ++k)
                appendHex(out, static_cast<unsigned char>(message[i + k]));
            i += std::max<std::size_t>(n, 1);
            continue;
        }
        out.append(message.substr(i, n));
        i += n;
    }
    return out;
}

void setSink(Sink s) {
    std::lock_guard lock(mu);
    sink() = std::move(s);
}

void setMinimumLevel(Level level) {
    minimum = level;
}

void write(Level level, std::string_view message) {
    if (level < minimum.load()) return;
    const std::string safe = escape(message);
    std::lock_guard lock(mu);
    if (sink()) {
        sink()(level, safe);
        return;
    }
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string line = std::string(stamp) + " " + name(level) + " " + safe + "\n";
    [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
}

}  // namespace maildex::log
