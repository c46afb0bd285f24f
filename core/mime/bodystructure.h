#pragma once
// BODY and BODYSTRUCTURE (RFC 3501 sections 7.4.2 and 9: body-type-1part, body-type-msg,
// body-type-text, body-type-mpart, body-ext-*), written from a parsed structure.
//
// Where RFC 3501 leaves a choice, the output is Dovecot 2.3's, so the two servers can be
// compared response by response:
// - type, subtype, parameter names and values are sent as written (no case change);
// - a text part without a charset parameter gets ("charset" "us-ascii") appended, the
//   RFC 2045 section 5.2 default made explicit; other parts without parameters get NIL;
// - RFC 2231 parameters are merged but stay encoded (see parameters.h);
// - a missing Content-Transfer-Encoding is "7bit" (RFC 2045 section 6.1);
// - body-fld-lang is always a list, even for one language;
// - a multipart without children is shown with one empty text/plain part, since the
//   grammar needs at least one;
// - for parts below multipart/digest, message/rfc822 is the default type (RFC 2046
//   section 5.1.5).

#include <string_view>

#include "core/imap/response_writer.h"
#include "core/mime/structure.h"

namespace maildex::core::mime {

// BODY: the structure without extension data. `message` is the text `part` was parsed from
// (envelopes of embedded messages are read from it).
void writeBody(ResponseWriter& w, std::string_view message, const Part& part);

// BODYSTRUCTURE: with extension data (MD5, disposition, language, location; parameters for
// multiparts).
void writeBodyStructure(ResponseWriter& w, std::string_view message, const Part& part);

}  // namespace maildex::core::mime
