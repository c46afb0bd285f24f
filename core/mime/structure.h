#pragma once
// The MIME structure of a message: a tree of parts with byte offsets into the message text
// (CRLF line ends, as IMAP counts octets) and the MIME fields that BODYSTRUCTURE reports.
//
// The tree has the shape IMAP part numbers address (RFC 3501 section 6.4.5): a multipart's
// children are its body parts; a message/rfc822 part has exactly one child, the embedded
// message (whose own header and body are that child's); every other part is a leaf.
//
// Parsing never fails and never throws on bad input; broken messages get the structure
// Dovecot 2.3 gives them, so that clients moving between the two see the same parts:
// - Boundaries follow RFC 2046 section 5.1.1: a delimiter line is "--" + boundary at the
//   start of a line and only needs to start with it (trailing whitespace or junk allowed);
//   the CRLF before it belongs to the delimiter; of the enclosing multiparts' boundaries the
//   longest match wins (the innermost on ties), with Dovecot's rules for lines ending in
//   "--" (see matchBoundary); boundaries are compared on their first 80 bytes (RFC 2046
//   allows 70).
// - Preamble and epilogue belong to the multipart's body but to no child.
// - A delimiter line right after a part's empty line takes that line's CRLF as its own, so
//   the part's header then has no empty line and its body is empty.
// - A delimiter line cut off by the end of the text (no line end) starts no new part.
// - A missing close delimiter: the multipart ends where an enclosing boundary or the text
//   ends. A delimiter of an enclosing multipart also ends any inner part whose header is
//   still being read.
// - A multipart without a usable boundary, or with no delimiter line, has no children
//   (BODYSTRUCTURE then shows one empty text/plain part, as Dovecot does).
// - Content-* fields count only in MIME entities (RFC 2045 section 4): parts of a multipart,
//   or headers with MIME-Version or Content-Type. Otherwise the part is text/plain.
// - Without Content-Type a part is text/plain; us-ascii (RFC 2045 section 5.2), or
//   message/rfc822 directly inside multipart/digest (RFC 2046 section 5.1.5).
// - Nesting deeper than kMaxNesting containers, or more than kMaxParts parts, is not
//   expanded: the rest stays opaque body text of the current part, and a container that is
//   not opened is reported as application/octet-stream.
// Time is linear in the message size; memory is the tree and a small line-count table.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mime/parameters.h"

namespace maildex::core::mime {

inline constexpr int kMaxNesting = 100;
inline constexpr std::size_t kMaxParts = 10000;

struct Part {
    enum class Kind { Single, Multipart, Message };
    Kind kind = Kind::Single;

    // Offsets into the message. The header includes the empty line that ends it, when
    // there is one; a part whose header runs into a boundary has an empty body.
    std::size_t headerOffset = 0;
    std::size_t headerSize = 0;
    std::size_t bodyOffset = 0;
    std::size_t bodySize = 0;
    // Line feeds in the body: RFC 3501 body-fld-lines for text/* and message/rfc822.
    std::size_t bodyLines = 0;

    // Media type as BODYSTRUCTURE reports it: as written (case kept); text/plain, or
    // message/rfc822 in a digest, by default; application/octet-stream for a container that
    // is not opened (see above, and "Content-Type: multipart" without a subtype).
    bool hasContentType = false;
    std::string type = "text";
    std::string subtype = "plain";
    std::vector<Parameter> parameters;
    // Raw field values, unfolded (RFC 2045 section 7, RFC 1864, RFC 2557 section 4).
    std::optional<std::string> id;
    std::optional<std::string> description;
    std::optional<std::string> transferEncoding;
    std::optional<std::string> md5;
    std::optional<std::string> location;
    // RFC 2183.
    std::optional<std::string> disposition;
    std::vector<Parameter> dispositionParameters;
    // RFC 3282; empty when absent.
    std::vector<std::string> languages;

    std::vector<Part> children;

    // The part's bytes in `message`, the text it was parsed from (empty if it is not).
    std::string_view header(std::string_view message) const {
        return headerOffset <= message.size() ? message.substr(headerOffset, headerSize) : "";
    }
    std::string_view body(std::string_view message) const {
        return bodyOffset <= message.size() ? message.substr(bodyOffset, bodySize) : "";
    }
    // Whether BODYSTRUCTURE treats it as text (with a line count and default charset).
    bool isText() const;
    // The charset parameter, decoded; "us-ascii" when absent (RFC 2045 section 5.2).
    std::string charset() const;
};

// Parses `message` (CRLF line ends; bare LFs are tolerated).
Part parseStructure(std::string_view message);

}  // namespace maildex::core::mime
