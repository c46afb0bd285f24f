#include "core/mime/bodystructure.h"

#include "core/mime/envelope.h"
#include "core/mime/header_fields.h"

namespace maildex::core::mime {

namespace {

// body-fld-param: NIL or ("name" "value" ...). `defaultCharset` adds the RFC 2045 default
// for text parts that do not name one.
void writeParameters(ResponseWriter& w, const std::vector<Parameter>& params, bool defaultCharset) {
    bool hasCharset = false;
    for (const auto& p : params)
        if (sameFieldName(p.name, "charset")) hasCharset = true;
    bool addCharset = defaultCharset && !hasCharset;
    if (params.empty() && !addCharset) {
        w.nil();
        return;
    }
    w.open();
    for (const auto& p : params)
        w.string(p.name).string(p.value);
    if (addCharset) w.string("charset").string("us-ascii");
    w.close();
}

// body-fld-dsp, body-fld-lang, body-fld-loc: the extension data all part kinds share.
void writeCommonExtensions(ResponseWriter& w, const Part& part) {
    if (part.disposition) {
        w.open().string(*part.disposition);
        writeParameters(w, part.dispositionParameters, false);
        w.close();
    } else {
        w.nil();
    }
    if (part.languages.empty()) {
        w.nil();
    } else {
        w.open();
        for (const auto& lang : part.languages)
            w.string(lang);
        w.close();
    }
    w.nstring(part.location);
}

void writeEmptyText(ResponseWriter& w, bool extended) {
    w.open().string("text").string("plain").open().string("charset").string("us-ascii").close();
    w.nil().nil().string("7bit").number(0).number(0);
    if (extended) w.nil().nil().nil().nil();
    w.close();
}

void writePart(ResponseWriter& w, std::string_view message, const Part& part, bool extended);

void writeMultipart(ResponseWriter& w, std::string_view message, const Part& part, bool extended) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    w.open();
    if (part.children.empty()) {
        w.adjacent();
        writeEmptyText(w, extended);
    }
    for (const auto& child : part.children) {
        w.adjacent();
        writePart(w, message, child, extended);
    }
    w.string(part.subtype);
    if (extended) {
        writeParameters(w, part.parameters, false);
        writeCommonExtensions(w, part);
    }
    w.close();
}

void writeSinglePart(ResponseWriter& w, std::string_view message, const Part& part, bool extended) {
    bool message822 = part.kind == Part::Kind::Message;
    bool text = part.isText();
    w.open();
    if (message822)
        w.string("message").string("rfc822");
    else
        w.string(part.type).string(part.subtype);
    writeParameters(w, part.parameters, text);
    w.nstring(part.id).nstring(part.description);
    w.string(part.transferEncoding ? std::string_view(*part.transferEncoding) : "7bit");
    w.number(part.bodySize);
    if (text) {
        w.number(part.bodyLines);
    } else if (message822 && !part.children.empty()) {
        // body-type-msg: envelope, body and line count of the embedded message.
        const Part& inner = part.children.front();
        writeEnvelope(w, parseEnvelope(inner.header(message)));
        writePart(w, message, inner, extended);
        w.number(part.bodyLines);
    }
    if (extended) {
        w.nstring(part.md5);
        writeCommonExtensions(w, part);
    }
    w.close();
}

void writePart(ResponseWriter& w, std::string_view message, const Part& part, bool extended) {
    if (part.kind == Part::Kind::Multipart)
        writeMultipart(w, message, part, extended);
    else
        writeSinglePart(w, message, part, extended);
}

}  // namespace

void writeBody(ResponseWriter& w, std::string_view message, const Part& part) {
    writePart(w, message, part, false);
}

void writeBodyStructure(ResponseWriter& w, std::string_view message, const Part& part) {
    writePart(w, message, part, true);
}

}  // namespace maildex::core::mime
