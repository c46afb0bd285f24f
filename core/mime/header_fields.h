#pragma once
// The fields of one header block (RFC 5322 section 2.2), split the way Dovecot splits them,
// because FETCH BODY[HEADER.FIELDS] and every value in ENVELOPE and BODYSTRUCTURE depend on
// where a field starts and what its name is:
// - a field is a line plus the continuation lines that start with SP or HTAB;
// - the name is what precedes the colon, with SP/HTAB before the colon removed
//   ("Subject : x" is a Subject field), up to a NUL byte if there is one;
// - a line without a colon is a field whose name is the whole line and whose value is empty
//   (so is a continuation line at the very start, which has nothing to continue);
// - the block ends at the first empty line (or at the end of the text).

#include <string>
#include <string_view>
#include <vector>

namespace maildex::core::mime {

struct HeaderField {
    std::string_view name;
    std::string_view raw;       // all lines of the field, each with its line end (if any)
    std::string_view rawValue;  // from after the colon to the end of raw (empty if no colon)
    bool hasColon = false;      // a line without one is no field for MIME or ENVELOPE

    // The value as IMAP servers report it: whitespace after the colon skipped (one byte only
    // when the value is all whitespace), line breaks removed (RFC 5322 section 2.2.3
    // unfolding), NUL bytes replaced by U+FFFD.
    std::string value() const;
    // The value for the structured parsers (addresses, Content-*): whitespace after the colon
    // skipped likewise, but line breaks and NUL bytes kept. A NUL ends an atom or token, and
    // a quoted string cut off by the end keeps what came before its last line break or NUL,
    // as in Dovecot.
    std::string structuredValue() const;
};

std::vector<HeaderField> splitHeaderFields(std::string_view header);

// Header field names compare ASCII case-insensitively (RFC 5322 section 1.2.2).
bool sameFieldName(std::string_view a, std::string_view b);

// Line breaks (CR, LF) removed as Dovecot does for nstrings: a space is put where the next
// line does not start with whitespace, so words never run together. NUL becomes U+FFFD.
std::string unfold(std::string_view value);

}  // namespace maildex::core::mime
