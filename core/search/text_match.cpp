// Text search decodes what it reads (RFC 3501 6.4.4 asks for a match on the text, not its
// encoding): encoded-words in header fields, transfer encodings and charsets in bodies.
// The MIME library does the decoding and the Unicode case folding.

#include "core/search/text_match.h"

#include <algorithm>

#include "core/mime/decode.h"
#include "core/mime/header_fields.h"
#include "core/mime/structure.h"
#include "core/mime/text_search.h"

namespace maildex::core::search {

namespace {

// Every leaf part's decoded text, and the headers of the message and of embedded
// messages when `withHeaders`.
bool partContains(std::string_view message, const mime::Part& part, const std::string& needle,
                  bool withHeaders) {
    if (withHeaders) {
        for (const auto& f : mime::splitHeaderFields(part.header(message)))
            if (mime::containsIgnoringCase(mime::decodeHeaderValue(f.value()), needle)) return true;
    }
    if (part.children.empty()) {
        if (part.kind == mime::Part::Kind::Multipart) return false;
        return mime::containsIgnoringCase(mime::decodedBodyText(message, part), needle);
    }
    for (const auto& child : part.children) {
        // An embedded message's header is part of the text the client searches.
        bool headers = withHeaders || part.kind == mime::Part::Kind::Message;
        if (partContains(message, child, needle, headers)) return true;
    }
    return false;
}

}  // namespace

bool containsIgnoringCase(std::string_view haystack, std::string_view needle) {
    return mime::containsIgnoringCase(haystack, needle);
}

std::string decodeHeaderForSearch(const std::string& value) {
    return mime::decodeHeaderValue(value);
}

bool messageContains(const std::string& messageCrlf, const std::string& needle, bool withHeader) {
    if (needle.empty()) return true;
    auto root = mime::parseStructure(messageCrlf);
    return partContains(messageCrlf, root, needle, withHeader);
}

}  // namespace maildex::core::search
