#pragma once
// Decoding message text to UTF-8 for SEARCH (RFC 3501 section 6.4.4 searches the decoded
// text, not the transfer encoding).
//
// - Header values: RFC 2047 encoded-words ("=?charset?B|Q?text?=") decoded and converted;
//   whitespace between adjacent encoded-words dropped (RFC 2047 section 6.2); the bytes of
//   adjacent words in one charset are joined before conversion, so a character split across
//   two words (common with UTF-8 in B encoding) survives. Encoded-words are also recognised
//   inside words and in quoted strings, where mailers put them although RFC 2047 section 5
//   forbids it. Text outside encoded-words, and words in unknown charsets, pass through.
// - Bodies: base64 and quoted-printable (RFC 2045 section 6) undone, written by hand because
//   mail needs leniency the strict library decoders lack (line breaks anywhere, junk bytes,
//   padding in the middle of concatenated base64, "=" not followed by hex in QP); text/*
//   then converted from its charset (charset.h; unknown or US-ASCII passes through).

#include <string>
#include <string_view>

#include "core/mime/structure.h"

namespace maildex::core::mime {

// A header value (raw or unfolded) with encoded-words decoded, as UTF-8. Line breaks of
// folding are removed.
std::string decodeHeaderValue(std::string_view value);

// base64: bytes outside the alphabet are skipped; "=" ends a quantum.
std::string decodeBase64(std::string_view encoded);
// quoted-printable: soft line breaks joined, trailing whitespace of lines dropped, invalid
// "=" sequences kept as they are.
std::string decodeQuotedPrintable(std::string_view encoded);
// By Content-Transfer-Encoding name (case-insensitive); 7bit, 8bit, binary and unknown
// encodings are returned unchanged.
std::string decodeTransferEncoding(std::string_view body, std::string_view encoding);

// The body of `part` as SEARCH sees it: transfer encoding undone and, for text parts, in
// UTF-8. Other parts get their decoded bytes.
std::string decodedBodyText(std::string_view message, const Part& part);

}  // namespace maildex::core::mime
