#pragma once
// Conversion of text in a MIME charset (RFC 2046 section 4.1.2, the IANA names) to UTF-8,
// through glibc's iconv: it knows every charset that mail uses (ISO-8859-*, windows-125x,
// KOI8-R/U, ISO-2022-JP, Shift_JIS, EUC-*, GB18030, Big5, UTF-7/16/32, ...), which no
// hand-written table here would.

#include <optional>
#include <string>
#include <string_view>

namespace maildex::core::mime {

// `bytes` in `charset` as UTF-8; bytes that are invalid in that charset become U+FFFD.
// nullopt when the charset is unknown.
std::optional<std::string> convertToUtf8(std::string_view bytes, std::string_view charset);

// As convertToUtf8, but text in an unknown charset, or labelled US-ASCII (or unlabelled), is
// passed through unchanged: mislabelled 8-bit text is common (RFC 2045's default charset is
// US-ASCII, yet mailers send UTF-8 or Latin-1 without saying so), and for SEARCH the raw
// bytes match better than replacement characters.
std::string toUtf8(std::string_view bytes, std::string_view charset);

}  // namespace maildex::core::mime
