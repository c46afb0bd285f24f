#pragma once
// Parsing SEARCH arguments into a Program. Strings are converted from the CHARSET the
// client named to UTF-8; an unknown charset is a NO [BADCHARSET].

#include "core/imap/arguments.h"
#include "core/search/search_key.h"

namespace maildex::core::search {

// Parses "[RETURN (...)] [CHARSET x] key..." (RETURN only when `esearch`).
Program parseSearch(ArgReader& args, bool allowReturn);
// Throws NO [BADCHARSET] unless strings in `charset` can be converted to UTF-8 (SORT and
// THREAD name a charset even when no key has a string, RFC 5256 section 3).
void requireCharset(const std::string& charset);
// Parses search keys up to the end of the arguments (used by SORT and THREAD after their
// own arguments; `charset` given).
Key parseKeys(ArgReader& args, const std::string& charset);

}  // namespace maildex::core::search
