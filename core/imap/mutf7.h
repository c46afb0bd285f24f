#pragma once
// Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3): printable ASCII stands for
// itself except "&", which is written "&-"; other characters are UTF-16, base64 with ","
// for "/", between "&" and "-".

#include <optional>
#include <string>
#include <string_view>

namespace maildex::core {

// UTF-8 → modified UTF-7. Input must be valid UTF-8 (the index guarantees it).
std::string encodeMutf7(std::string_view utf8);
// Modified UTF-7 → UTF-8; nullopt when the input is not valid modified UTF-7 (bad base64,
// 8-bit bytes, unpaired surrogates, an encoded printable ASCII character...).
std::optional<std::string> decodeMutf7(std::string_view mutf7);

}  // namespace maildex::core
