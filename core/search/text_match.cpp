// First version: ASCII case folding over raw text. Decoding (RFC 2047, transfer
// encodings, charsets) comes from core/mime once it lands.

#include "core/search/text_match.h"

#include <algorithm>
#include <cctype>

#include "core/message/message_source.h"

namespace maildex::core::search {

namespace {
char fold(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
}  // namespace

bool equalsIgnoringAsciiCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return fold(x) == fold(y); });
}

bool containsIgnoringCase(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return true;
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                          [](char x, char y) { return fold(x) == fold(y); });
    return it != haystack.end();
}

std::string decodeHeaderForSearch(const std::string& value) {
    return value;
}

bool messageContains(const std::string& messageCrlf, const std::string& needle, bool withHeader) {
    std::string_view text = messageCrlf;
    if (!withHeader) text.remove_prefix(headerLength(messageCrlf));
    return containsIgnoringCase(text, needle);
}

}  // namespace maildex::core::search
