#include "core/mime/envelope.h"

#include "core/mime/header_fields.h"

namespace maildex::core::mime {

namespace {

void writeAddresses(ResponseWriter& w, const std::vector<Address>& list) {
    if (list.empty()) {
        w.nil();
        return;
    }
    // env-from etc. = "(" 1*address ")": addresses follow each other without spaces.
    w.open();
    for (const auto& a : list) {
        w.adjacent().open();
        if (a.name)
            w.string(textForHumans(*a.name));
        else
            w.nil();
        w.nstring(a.route).nstring(a.mailbox).nstring(a.host).close();
    }
    w.close();
}

void appendAddresses(std::vector<Address>& to, const HeaderField& f) {
    auto more = parseAddressList(f.structuredValue());
    to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace

std::string textForHumans(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) out += ' ';
        pendingSpace = false;
        out += c;
    }
    return out;
}

Envelope parseEnvelope(std::string_view header) {
    Envelope e;
    for (const auto& f : splitHeaderFields(header)) {
        if (!f.hasColon) continue;
        if (sameFieldName(f.name, "Date"))
            e.date = f.value();
        else if (sameFieldName(f.name, "Subject"))
            e.subject = f.value();
        else if (sameFieldName(f.name, "In-Reply-To"))
            e.inReplyTo = f.value();
        else if (sameFieldName(f.name, "Message-ID"))
            e.messageId = f.value();
        else if (sameFieldName(f.name, "From"))
            appendAddresses(e.from, f);
        else if (sameFieldName(f.name, "Sender"))
            appendAddresses(e.sender, f);
        else if (sameFieldName(f.name, "Reply-To"))
            appendAddresses(e.replyTo, f);
        else if (sameFieldName(f.name, "To"))
            appendAddresses(e.to, f);
        else if (sameFieldName(f.name, "Cc"))
            appendAddresses(e.cc, f);
        else if (sameFieldName(f.name, "Bcc"))
            appendAddresses(e.bcc, f);
    }
    return e;
}

void writeEnvelope(ResponseWriter& w, const Envelope& e) {
    w.open().nstring(e.date);
    if (e.subject)
        w.string(textForHumans(*e.subject));
    else
        w.nil();
    writeAddresses(w, e.from);
    writeAddresses(w, e.sender.empty() ? e.from : e.sender);
    writeAddresses(w, e.replyTo.empty() ? e.from : e.replyTo);
    writeAddresses(w, e.to);
    writeAddresses(w, e.cc);
    writeAddresses(w, e.bcc);
    w.nstring(e.inReplyTo).nstring(e.messageId).close();
}

}  // namespace maildex::core::mime
