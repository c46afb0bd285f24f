#pragma once
// The i;unicode-casemap collation (RFC 5051), which SORT and THREAD must use to compare
// strings (RFC 5256 section 7, "Internationalization Considerations").
//
// A string is compared through its "titlecased canonicalized UTF-8" form (RFC 5051
// section 2): each code point is replaced by its simple titlecase mapping, and the result
// by its full decomposition (any type: canonical and compatibility, applied recursively,
// "effectively Normalization Form KD"). The forms are then compared octet by octet, so
// "a" = "A", "é" sorts right after "e", and "ﬁ" equals "FI". The Unicode data comes from
// ICU.
//
// Text that is not valid UTF-8 cannot be converted; each run of invalid bytes becomes one
// U+FFFD, as Dovecot does, so such text still sorts in a stable place.

#include <string>
#include <string_view>

namespace maildex::core::search {

// The collation key of `utf8`: compare two keys with operator< / == on std::string.
std::string casemapKey(std::string_view utf8);

}  // namespace maildex::core::search
