#pragma once
// Is what the server wrote well-formed IMAP (RFC 3501 section 7, the response grammar as
// a client's parser sees it)? The fuzz targets' oracle beyond "did not crash": whatever a
// client sends, every response must be one a client can read to its end.
//
// Checked: every line ends in CRLF; no NUL anywhere and no bare CR or LF outside literals;
// quoted strings close and escape only '"' and '\'; a literal's "{n}" is followed by CRLF
// and n bytes; in data responses (everything but continuations and status responses,
// whose text is free) parentheses balance; the output ends where a response ends.

#include <optional>
#include <string>
#include <string_view>

namespace maildex::test {

// nullopt when `output` is a sequence of well-formed responses; otherwise what is wrong,
// and where.
std::optional<std::string> responseProblem(std::string_view output);

}  // namespace maildex::test
