#pragma once
// Header fields of a message or body part (RFC 5322 section 2.2): name, and the raw field
// with its folded continuation lines and CRLF, in order of appearance.

#include <string>
#include <string_view>
#include <vector>

namespace maildex::core {

struct HeaderField {
    std::string_view name;  // as written, without the colon
    std::string_view raw;   // the whole field including the final CRLF
    // The value after the colon, unfolded (CRLF + WSP becomes the WSP), trimmed.
    std::string value() const;
};

// Splits a header block (CRLF line ends, the blank line optional). Lines that are not
// fields (no colon, or a continuation at the very start) are skipped.
std::vector<HeaderField> splitHeader(std::string_view header);

// Header field names compare case-insensitively.
bool fieldNameEquals(std::string_view a, std::string_view b);

}  // namespace maildex::core
