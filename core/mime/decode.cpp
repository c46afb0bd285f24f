#include "core/mime/decode.h"

#include <cstdint>
#include <optional>

#include "core/imap/ascii.h"
#include "core/mime/charset.h"
#include "core/mime/header_fields.h"

namespace maildex::core::mime {

namespace {

using ascii::hexValue;

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// RFC 2047 section 4.2: the "Q" encoding.
std::string decodeQ(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
                   hexValue(text[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

struct EncodedWord {
    std::size_t end = 0;  // index after "?="
    std::string charset;
    std::string bytes;
};

// RFC 2047 section 2 allows 75 bytes; mailers write longer words, but a bound keeps a
// header full of "=?" from making the search quadratic.
constexpr std::size_t kMaxEncodedWord = 512;

// An encoded-word starting at `pos` ("=?"), RFC 2047 section 2; nullopt if it is not one.
std::optional<EncodedWord> encodedWordAt(std::string_view all, std::size_t pos) {
    std::string_view s = all.substr(0, pos + kMaxEncodedWord);
    std::size_t q1 = s.find('?', pos + 2);
    if (q1 == std::string_view::npos || q1 == pos + 2) return std::nullopt;
    std::string_view charset = s.substr(pos + 2, q1 - pos - 2);
    for (char c : charset)
        if (isSpace(c) || c == '=') return std::nullopt;
    if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
    char encoding = s[q1 + 1];
    if (encoding != 'B' && encoding != 'b' && encoding != 'Q' && encoding != 'q')
        return std::nullopt;
    std::size_t textStart = q1 + 3;
    std::size_t close = s.find("?=", textStart);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view text = s.substr(textStart, close - textStart);
    for (char c : text)
        if (isSpace(c)) return std::nullopt;
    EncodedWord w;
    w.end = close + 2;
    // RFC 2231 section 5: "charset*language".
    w.charset = std::string(charset.substr(0, charset.find('*')));
    w.bytes = encoding == 'B' || encoding == 'b' ? decodeBase64(text) : decodeQ(text);
    return w;
}

}  // namespace

std::string decodeBase64(std::string_view encoded) {
    std::string out;
    out.reserve(encoded.size() * 3 / 4);
    std::uint32_t bits = 0;
    int count = 0;
    auto flush = [&] {
        if (count == 2) out += static_cast<char>(bits >> 4);
        if (count == 3) {
            out += static_cast<char>(bits >> 10);
            out += static_cast<char>((bits >> 2) & 0xff);
        }
        bits = 0;
        count = 0;
    };
    for (char c : encoded) {
        if (c == '=') {
            flush();
            continue;
        }
        int v = base64Value(c);
        if (v < 0) continue;
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        if (++count == 4) {
            out += static_cast<char>((bits >> 16) & 0xff);
            out += static_cast<char>((bits >> 8) & 0xff);
            out += static_cast<char>(bits & 0xff);
            bits = 0;
            count = 0;
        }
    }
    flush();
    return out;
}

std::string decodeQuotedPrintable(std::string_view encoded) {
    std::string out;
    out.reserve(encoded.size());
    std::size_t pos = 0;
    while (pos < encoded.size()) {
        std::size_t lf = encoded.find('\n', pos);
        std::size_t next = lf == std::string_view::npos ? encoded.size() : lf + 1;
        std::string_view line = encoded.substr(pos, next - pos);
        std::string_view lineBreak;
        if (line.ends_with("\r\n"))
            lineBreak = "\r\n";
        else if (line.ends_with('\n'))
            lineBreak = "\n";
        line.remove_suffix(lineBreak.size());
        // RFC 2045 section 6.7 rule 3: trailing whitespace was added in transport.
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        bool soft = line.ends_with('=');
        if (soft) line.remove_suffix(1);
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '=' && i + 2 < line.size() && hexValue(line[i + 1]) >= 0 &&
                hexValue(line[i + 2]) >= 0) {
                out += static_cast<char>(hexValue(line[i + 1]) * 16 + hexValue(line[i + 2]));
                i += 2;
            } else {
                out += line[i];
            }
        }
        if (!soft) out += lineBreak;
        pos = next;
    }
    return out;
}

std::string decodeTransferEncoding(std::string_view body, std::string_view encoding) {
    if (sameFieldName(encoding, "base64")) return decodeBase64(body);
    if (sameFieldName(encoding, "quoted-printable")) return decodeQuotedPrintable(body);
    return std::string(body);
}

std::string decodeHeaderValue(std::string_view value) {
    std::string unfolded = unfold(value);
    std::string_view s = unfolded;
    std::string out;
    out.reserve(s.size());
    // Bytes of encoded-words not yet converted: joined while the charset stays the same.
    std::string pendingCharset, pendingBytes;
    auto flushPending = [&] {
        if (pendingBytes.empty()) return;
        out += toUtf8(pendingBytes, pendingCharset);
        pendingBytes.clear();
    };
    std::size_t pos = 0;
    std::size_t plainStart = 0;
    bool lastWasWord = false;
    while (pos < s.size()) {
        std::size_t at = s.find("=?", pos);
        if (at == std::string_view::npos) break;
        auto word = encodedWordAt(s, at);
        if (!word) {
            pos = at + 1;
            continue;
        }
        std::string_view between = s.substr(plainStart, at - plainStart);
        bool onlySpace = true;
        for (char c : between)
            onlySpace = onlySpace && isSpace(c);
        if (!(lastWasWord && onlySpace)) {
            flushPending();
            out += between;
        }
        if (!pendingBytes.empty() && !sameFieldName(pendingCharset, word->charset)) flushPending();
        pendingCharset = word->charset;
        pendingBytes += word->bytes;
        lastWasWord = true;
        pos = plainStart = word->end;
    }
    flushPending();
    out += s.substr(plainStart);
    return out;
}

std::string decodedBodyText(std::string_view message, const Part& part) {
    std::string bytes =
        decodeTransferEncoding(part.body(message), part.transferEncoding.value_or("7bit"));
    if (!part.isText()) return bytes;
    return toUtf8(bytes, part.charset());
}

}  // namespace maildex::core::mime
