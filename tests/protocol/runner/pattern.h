#pragma once
// Server-line patterns. Text matches itself, except:
//   {{*}}       any text (possibly empty)
//   {{#}}       a number
//   {{#name}}   a number, remembered as `name` the first time and required to be the
//               same number after that (C: lines can use {{#name}} to send it)
//   {{!name}}   a number other than the one remembered as `name` (a new UIDVALIDITY)

#include <map>
#include <string>

namespace maildex::test {

using Captures = std::map<std::string, std::string>;

bool matchLine(const std::string& pattern, const std::string& line, Captures& captures);
// Replaces {{#name}} in a client line with the captured values.
std::string substitute(const std::string& text, const Captures& captures);

}  // namespace maildex::test
