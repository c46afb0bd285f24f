#pragma once
// The summaries maildexctl prints at the end of its work: one paragraph wrapped at 88
// columns, broken only between items. A folder name, a path or a user's label may hold
// spaces of its own; wrapped like the words around it, "Sent Items" could end one line and
// begin the next, and a reader (or a script that greps the summary) could not tell the
// name. Such items go in through unbroken(), and the wrapping keeps each one whole on a
// line, its spaces as they were.

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

namespace maildex::ctl {

inline constexpr std::size_t kParagraphWidth = 88;

// `item` marked to be kept on one line (its spaces are not places to break).
std::string unbroken(std::string_view item);
// `text` wrapped at `width` columns: words are separated by runs of spaces (and newlines)
// outside unbroken items; a word or item longer than the width gets a line of its own.
// Each line ends with "\n".
std::string wrapParagraph(std::string_view text, std::size_t width = kParagraphWidth);
// Prints wrapParagraph(text).
void printParagraph(std::ostream& out, const std::string& text);

}  // namespace maildex::ctl
