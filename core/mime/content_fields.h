#pragma once
// Values of the MIME header fields that BODYSTRUCTURE reports: Content-Type (RFC 2045
// section 5), Content-Transfer-Encoding (RFC 2045 section 6), Content-Disposition (RFC 2183)
// and Content-Language (RFC 3282). Case is kept as written: RFC 3501 does not ask servers to
// normalize, and Dovecot does not, so clients see "TEXT" "PLAIN" when the sender wrote that.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mime/parameters.h"

namespace maildex::core::mime {

struct ContentType {
    // Empty when the value is unusable. A bare type ("text") keeps the type with an empty
    // subtype; anything else that is not `type "/" subtype [";" parameters]` becomes ""/"".
    std::string type;
    std::string subtype;
    std::vector<Parameter> parameters;  // only read from a well-formed type/subtype
};

struct ContentDisposition {
    std::string type;
    std::vector<Parameter> parameters;
};

ContentType parseContentType(std::string_view value);
// nullopt only when the value cannot be read at all (an unclosed comment).
std::optional<ContentDisposition> parseContentDisposition(std::string_view value);
// The mechanism token; nullopt unless the value is exactly one token.
std::optional<std::string> parseTransferEncoding(std::string_view value);
// The language tags up to the first one that is not an atom.
std::vector<std::string> parseContentLanguage(std::string_view value);

}  // namespace maildex::core::mime
