#pragma once
// Parsing SEARCH arguments into a Program. Strings are converted from the CHARSET the
// client named to UTF-8; an unknown charset is a NO [BADCHARSET].

#include "core/imap/arguments.h"
#include "core/search/search_key.h"

namespace maildex::core::search {

// Parses "[RETURN (...)] [CHARSET x] key..." (RETURN only when `esearch`).
Program parseSearch(ArgReader& args, bool allowReturn);
// Parses "charset key..." to the end of the arguments, as SORT and THREAD take them after
// their own (RFC 5256 section 3: the charset is required, and one that cannot be converted
// to UTF-8 is NO [BADCHARSET] even when no key has a string; a syntax error is BAD first).
Program parseCharsetAndKeys(ArgReader& args);

}  // namespace maildex::core::search
