#include "core/mime/text_search.h"

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/imap/ascii.h"

namespace maildex::core::mime {

namespace {

locale_t unicodeLocale() {
    // Created once, never freed: shared by all threads (towlower_l only reads it).
    static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    return locale;
}

// Decodes one UTF-8 sequence at `pos`; returns its length, 0 if invalid (RFC 3629).
std::size_t decodeUtf8(std::string_view s, std::size_t pos, char32_t& cp) {
    unsigned char c = static_cast<unsigned char>(s[pos]);
    std::size_t len;
    std::uint32_t min;
    if (c < 0x80) {
        cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (pos + len > s.size()) return 0;
    for (std::size_t i = 1; i < len; ++i) {
        unsigned char cc = static_cast<unsigned char>(s[pos + i]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

void encodeUtf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

char32_t fold(char32_t cp, locale_t locale) {
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp;
    if (locale == locale_t{}) return cp;
    wint_t upper = towupper_l(static_cast<wint_t>(cp), locale);
    return static_cast<char32_t>(towlower_l(upper, locale));
}

}  // namespace

std::string foldCase(std::string_view utf8) {
    locale_t locale = unicodeLocale();
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t pos = 0; pos < utf8.size();) {
        auto c = static_cast<unsigned char>(utf8[pos]);
        if (c < 0x80) {  // most of any text: no decoding needed
            out += core::ascii::toLower(static_cast<char>(c));
            ++pos;
            continue;
        }
        char32_t cp;
        std::size_t len = decodeUtf8(utf8, pos, cp);
        if (len == 0) {
            out += utf8[pos++];
            continue;
        }
        encodeUtf8(fold(cp, locale), out);
        pos += len;
    }
    return out;
}

namespace {

// Knuth-Morris-Pratt: linear in the worst case, which a naive search over a message
// body and a client-chosen pattern ("aaa...ab") is not.
class FoldedPattern {
  public:
    explicit FoldedPattern(std::string pattern)
        : pattern_(std::move(pattern)), fail_(pattern_.size(), 0) {
        for (std::size_t i = 1, k = 0; i < pattern_.size(); ++i) {
            while (k > 0 && pattern_[i] != pattern_[k])
                k = fail_[k - 1];
            if (pattern_[i] == pattern_[k]) ++k;
            fail_[i] = k;
        }
    }
    // Whether `text`, each byte passed through `map` first, contains the pattern. nullopt
    // when `map` gives up on a byte.
    template <typename Map>
    std::optional<bool> foundIn(std::string_view text, Map map) const {
        for (std::size_t i = 0, k = 0; i < text.size(); ++i) {
            auto c = map(text[i]);
            if (!c) return std::nullopt;
            while (k > 0 && *c != pattern_[k])
                k = fail_[k - 1];
            if (*c == pattern_[k] && ++k == pattern_.size()) return true;
        }
        return false;
    }

  private:
    std::string pattern_;
    std::vector<std::size_t> fail_;
};

bool isAscii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

bool containsIgnoringCase(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return true;
    FoldedPattern pattern(foldCase(needle));
    // Most text is ASCII: folded byte by byte as it is scanned, not copied first. A
    // non-ASCII byte can fold onto an ASCII letter (U+212A KELVIN SIGN is "k"), so the
    // first one sends the search to the folded copy.
    if (isAscii(needle)) {
        auto ascii = [](char c) -> std::optional<char> {
            if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
            return core::ascii::toLower(c);
        };
        if (auto found = pattern.foundIn(haystack, ascii)) return *found;
    }
    auto same = [](char c) -> std::optional<char> { return c; };
    return *pattern.foundIn(foldCase(haystack), same);
}

}  // namespace maildex::core::mime
