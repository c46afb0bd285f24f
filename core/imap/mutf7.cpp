#include "core/imap/mutf7.h"

#include <cstdint>
#include <vector>

namespace maildex::core {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i. Invalid
// bytes decode as U+FFFD one byte at a time.
char32_t nextCodePoint(std::string_view s, size_t& i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
        ++i;
        return 0xfffd;
    }
    char32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += len;
    return cp;
}

void flushBase64(std::string& out, std::vector<std::uint16_t>& units) {
    if (units.empty()) return;
    out += '&';
    std::uint32_t buffer = 0;
    int bits = 0;
    for (auto u : units) {
        buffer = (buffer << 16) | u;
        bits += 16;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(buffer >> bits) & 0x3f];
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
    out += '-';
    units.clear();
}
}  // namespace

std::string encodeMutf7(std::string_view utf8) {
    std::string out;
    std::vector<std::uint16_t> units;
    for (size_t i = 0; i < utf8.size();) {
        unsigned char c = static_cast<unsigned char>(utf8[i]);
        if (c >= 0x20 && c <= 0x7e) {
            flushBase64(out, units);
            out += c == '&' ? "&-" : std::string(1, static_cast<char>(c));
            ++i;
            continue;
        }
        char32_t cp = nextCodePoint(utf8, i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units.push_back(static_cast<std::uint16_t>(0xd800 + (cp >> 10)));
            units.push_back(static_cast<std::uint16_t>(0xdc00 + (cp & 0x3ff)));
        } else {
            units.push_back(static_cast<std::uint16_t>(cp));
        }
    }
    flushBase64(out, units);
    return out;
}

std::optional<std::string> decodeMutf7(std::string_view in) {
    std::string out;
    for (size_t i = 0; i < in.size();) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c < 0x20 || c > 0x7e) return std::nullopt;
        if (c != '&') {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        size_t end = in.find('-', i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        if (end == i + 1) {
            out += '&';
            i = end + 1;
            continue;
        }
        std::uint32_t buffer = 0;
        int bits = 0;
        std::vector<std::uint16_t> units;
        for (size_t k = i + 1; k < end; ++k) {
            int v = b64value(in[k]);
            if (v < 0) return std::nullopt;
            buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
            bits += 6;
            if (bits >= 16) {
                bits -= 16;
                units.push_back(static_cast<std::uint16_t>(buffer >> bits));
                buffer &= (1u << bits) - 1;
            }
        }
        // Leftover bits must be zero padding, less than one base64 digit's worth plus.
        if (bits >= 6 || buffer != 0 || units.empty()) return std::nullopt;
        for (size_t k = 0; k < units.size(); ++k) {
            char32_t cp = units[k];
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (k + 1 >= units.size() || units[k + 1] < 0xdc00 || units[k + 1] > 0xdfff)
                    return std::nullopt;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (units[++k] - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return std::nullopt;
            } else if (cp >= 0x20 && cp <= 0x7e) {
                return std::nullopt;  // printable ASCII must not be encoded
            }
            appendUtf8(out, cp);
        }
        i = end + 1;
        // Two encoded runs back to back are not the canonical form.
        if (i < in.size() && in[i] == '&' && i + 1 < in.size() && in[i + 1] != '-')
            return std::nullopt;
    }
    return out;
}

}  // namespace maildex::core
