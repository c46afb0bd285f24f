#pragma once
// ENVELOPE (RFC 3501 section 7.4.2): date, subject, from, sender, reply-to, to, cc, bcc,
// in-reply-to and message-id of a message header.
//
// Values are the header's own text, unfolded, with encoded-words left as they are (RFC 3501
// passes header text through; decoding is the client's job). Where the RFC leaves a choice,
// Maildex says what Dovecot 2.3 says:
// - the subject and display names are "text for humans": runs of whitespace become one
//   space and leading/trailing whitespace goes;
// - date, in-reply-to and message-id are kept exactly (only line breaks removed);
// - a repeated string field: the last one counts; repeated address fields add up;
// - an empty or missing Sender / Reply-To is the From list (RFC 3501 section 7.4.2);
// - NUL bytes become U+FFFD.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/imap/response_writer.h"
#include "core/mime/address.h"

namespace maildex::core::mime {

struct Envelope {
    std::optional<std::string> date;
    std::optional<std::string> subject;
    std::vector<Address> from;
    std::vector<Address> sender;
    std::vector<Address> replyTo;
    std::vector<Address> to;
    std::vector<Address> cc;
    std::vector<Address> bcc;
    std::optional<std::string> inReplyTo;
    std::optional<std::string> messageId;
};

// `header` is a header block (a Part's header() or a whole message).
Envelope parseEnvelope(std::string_view header);

// Writes the parenthesized envelope structure (without the ENVELOPE keyword).
void writeEnvelope(ResponseWriter& w, const Envelope& envelope);

// Whitespace runs → one space, trimmed (Dovecot's imap_append_string_for_humans rule).
std::string textForHumans(std::string_view text);

}  // namespace maildex::core::mime
