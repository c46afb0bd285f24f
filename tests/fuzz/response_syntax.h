#pragma once
// Is what the server wrote well-formed IMAP (RFC 3501 section 7, the response grammar as
// a client's parser sees it)? The fuzz targets' oracle beyond "did not crash": whatever a
// client sends, every response must be one a client can read to its end.
//
// Checked: every line ends in CRLF; no NUL anywhere and no bare CR or LF outside literals;
// quoted strings close and escape only '"' and '\'; a literal's "{n}" is followed by CRLF
// and n bytes; in data responses (everything but continuations and status responses,
// whose text is free) parentheses balance. A response that ends half-way (a command
// suspended until the client reads) is fine only as the last thing in the output.

#include <optional>
#include <string>
#include <string_view>

namespace maildex::test {

// nullopt when `output` is a sequence of well-formed responses (the last one may be cut
// short when `partialEnd`); otherwise what is wrong, and where.
std::optional<std::string> responseProblem(std::string_view output, bool partialEnd = false);

}  // namespace maildex::test
