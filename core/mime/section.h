#pragma once
// The text of a FETCH BODY[section] (RFC 3501 section 6.4.5).
//
// Part numbers address the structure tree: n selects the n-th child of a multipart; "1" of
// a part that is not a multipart is that part itself ("non-multipart messages ... only have
// a part 1"); a number after a message/rfc822 part continues inside the embedded message.
// HEADER, HEADER.FIELDS[.NOT] and TEXT apply to the whole message or to a message/rfc822
// part (then to the embedded message); MIME is a part's own MIME header.
//
// What RFC 3501 leaves open is answered as Dovecot 2.3 answers it:
// - a part that does not exist, or HEADER/TEXT of a part that is not message/rfc822, is the
//   empty string (not an error, not NIL);
// - HEADER.FIELDS keeps the message's field order and raw lines (folding included) and ends
//   with the empty line, unless nothing matched in a header that had no empty line;
// - NUL bytes are sent as 0x80: literals must not contain NUL (RFC 3501 section 9, CHAR8).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/mime/structure.h"

namespace maildex::core::mime {

struct SectionSpec {
    std::vector<std::uint32_t> part;  // empty for the whole message
    enum class Text { Full, Header, HeaderFields, HeaderFieldsNot, Text, Mime };
    Text text = Text::Full;
    std::vector<std::string> fields;  // for HeaderFields / HeaderFieldsNot
};

// The part a section number names, or nullptr. An empty path names the root.
const Part* findPart(const Part& root, const std::vector<std::uint32_t>& path);

// The bytes of `spec` in `message` (which `root` was parsed from).
std::string sectionBytes(std::string_view message, const Part& root, const SectionSpec& spec);

// Where the bytes of `spec` are in the message `root` was parsed from, without reading
// them: a range of it, or for HEADER.FIELDS[.NOT] (which are made from the header, not
// cut from the message) the range of the header they are made from. A large message is
// sent from its file by range (core/message/large_message.h). A range may run past the
// end of the message (the whole message is {0, SIZE_MAX}): the caller clips it.
struct SectionRange {
    std::size_t offset = 0;
    std::size_t length = 0;
    bool filtered = false;  // HEADER.FIELDS[.NOT]: apply sectionFilter() to the range
};
SectionRange sectionRange(const Part& root, const SectionSpec& spec);
// HEADER.FIELDS[.NOT] of `header` (the bytes of a filtered SectionRange).
std::string sectionFilter(std::string_view header, const SectionSpec& spec);

}  // namespace maildex::core::mime
