#include "core/mime/content_fields.h"

#include "core/mime/rfc822_lexer.h"

namespace maildex::core::mime {

ContentType parseContentType(std::string_view value) {
    ContentType ct;
    Rfc822Lexer lx(value);
    if (lx.skipCfws() != Scan::More) return ct;
    std::string type;
    Scan s = lx.mimeToken(type);
    if (type.empty()) return ct;
    if (s != Scan::More) {
        // "Content-Type: text": keep what there is, so a text part still counts as text.
        ct.type = std::move(type);
        return ct;
    }
    if (lx.peek() != '/') return ct;
    lx.advance();
    if (lx.skipCfws() != Scan::More) return ct;
    std::string subtype;
    s = lx.mimeToken(subtype);
    if (s == Scan::Error || subtype.empty()) return ct;
    if (s == Scan::More && lx.peek() != ';') return ct;
    ct.type = std::move(type);
    ct.subtype = std::move(subtype);
    if (s == Scan::More) ct.parameters = parseParameters(lx);
    return ct;
}

std::optional<ContentDisposition> parseContentDisposition(std::string_view value) {
    Rfc822Lexer lx(value);
    lx.skipCfws();
    ContentDisposition cd;
    if (lx.mimeToken(cd.type) == Scan::Error) return std::nullopt;
    cd.parameters = parseParameters(lx);
    return cd;
}

std::optional<std::string> parseTransferEncoding(std::string_view value) {
    Rfc822Lexer lx(value);
    lx.skipCfws();
    std::string token;
    if (lx.mimeToken(token) == Scan::Error || !lx.atEnd() || token.empty()) return std::nullopt;
    return token;
}

std::vector<std::string> parseContentLanguage(std::string_view value) {
    std::vector<std::string> tags;
    Rfc822Lexer lx(value);
    lx.skipCfws();
    for (;;) {
        std::string tag;
        if (lx.atom(tag) == Scan::Error) break;
        tags.push_back(std::move(tag));
        if (lx.peek() != ',') break;
        lx.advance();
        lx.skipCfws();
    }
    return tags;
}

}  // namespace maildex::core::mime
