#pragma once
// Text comparison for SEARCH: case-insensitive substring matching (RFC 3501 6.4.4) over
// decoded text, so a search for "Grüße" finds it in an encoded-word subject or a
// quoted-printable body.

#include <string>
#include <string_view>

namespace maildex::core::search {

// Whether `needle` (UTF-8) occurs in `haystack` (UTF-8), ignoring case.
bool containsIgnoringCase(std::string_view haystack, std::string_view needle);
// A header field's value with RFC 2047 encoded-words decoded to UTF-8.
std::string decodeHeaderForSearch(const std::string& value);
// BODY (the text of the message's body parts, decoded) or TEXT (header and body).
bool messageContains(const std::string& messageCrlf, const std::string& needle, bool withHeader);

}  // namespace maildex::core::search
