#pragma once
// Case-insensitive substring search for SEARCH (RFC 3501 section 6.4.4: "case-insensitive
// substring"), over UTF-8 text.
//
// Case folding is glibc's Unicode case mapping in the C.UTF-8 locale (always present on
// glibc systems, independent of the process locale): towlower(towupper(c)) per code point.
// That is Unicode simple case folding for Latin, Greek (final sigma matches sigma), Cyrillic
// and the rest of the BMP and beyond, with one small excess: dotless ı also matches i.
// Full folding (ß = ss) and normalization (é = e + U+0301) are not done; Dovecot's
// i;unicode-casemap (RFC 5051) does those, so a few such searches differ.
// Bytes that are not valid UTF-8 are compared as they are.

#include <string>
#include <string_view>

namespace maildex::core::mime {

std::string foldCase(std::string_view utf8);

// Whether `needle` occurs in `haystack`, ignoring case. An empty needle always matches.
bool containsIgnoringCase(std::string_view haystack, std::string_view needle);

}  // namespace maildex::core::mime
