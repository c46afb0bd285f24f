#pragma once
// MIME parameter lists (RFC 2045 section 5.1: `*(";" attribute "=" value)`) with RFC 2231
// continuations and charset/language information.
//
// Two views of each parameter are kept:
// - name/value as BODYSTRUCTURE shows them. RFC 3501 (section 7.4.2) only says "parameter
//   list", and clients decode RFC 2231 themselves, so like Dovecot we merge continuations
//   (`name*0`, `name*1` → `name`) but keep an extended value encoded, under the name with a
//   trailing star (`filename*0*=utf-8''%E2%82%AC; filename*1*=.txt` → "filename*"
//   "utf-8''%E2%82%AC.txt"). Section numbers with gaps leave the pieces as they were.
// - attribute/decoded for our own use (SEARCH, attachment names): the bare attribute name
//   and the value decoded to UTF-8.
//
// Order follows Dovecot too: plain parameters in header order, then the RFC 2231 ones
// sorted by name.

#include <string>
#include <string_view>
#include <vector>

#include "core/mime/rfc822_lexer.h"

namespace maildex::core::mime {

struct Parameter {
    std::string name;
    std::string value;
    std::string attribute;
    std::string decoded;
};

// Parses parameters from the lexer's position (at the first ';') to the end. A broken
// parameter is skipped and parsing resumes at the next byte, so one bad parameter does not
// hide the ones after it.
std::vector<Parameter> parseParameters(Rfc822Lexer& lexer);

// The parameter for `attribute` (case-insensitive), preferring an RFC 2231 extended one, as
// RFC 2231 section 4 asks; nullptr when absent.
const Parameter* findParameter(const std::vector<Parameter>& params, std::string_view attribute);

}  // namespace maildex::core::mime
