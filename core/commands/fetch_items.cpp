#include "core/commands/fetch_items.h"

#include <cctype>
#include <charconv>

#include "core/imap/ascii.h"

namespace maildex::core::commands {

namespace {

// section-spec inside "[...]": part numbers, then HEADER / HEADER.FIELDS[.NOT] (list) /
// TEXT / MIME.
Section parseSection(ArgReader& args) {
    Section s;
    if (args.accept(Token::Type::SectionEnd)) return s;
    std::string spec = ascii::upper(args.atom("a section"));
    size_t pos = 0;
    while (pos < spec.size() && std::isdigit(static_cast<unsigned char>(spec[pos]))) {
        size_t dot = spec.find('.', pos);
        std::string_view num(spec.data() + pos,
                             (dot == std::string::npos ? spec.size() : dot) - pos);
        std::uint32_t n = 0;
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
        if (ec != std::errc() || p != num.data() + num.size() || n == 0)
            ArgReader::fail("Invalid section part number");
        s.part.push_back(n);
        if (dot == std::string::npos) {
            pos = spec.size();
            break;
        }
        pos = dot + 1;
        if (pos == spec.size()) ArgReader::fail("Invalid section");
    }
    std::string text = spec.substr(pos);
    if (text.empty()) {
        if (s.part.empty()) ArgReader::fail("Invalid section");
        s.text = Section::Text::Full;
    } else if (text == "HEADER") {
        s.text = Section::Text::Header;
    } else if (text == "TEXT") {
        s.text = Section::Text::Text;
    } else if (text == "MIME") {
        if (s.part.empty()) ArgReader::fail("MIME needs a part number");
        s.text = Section::Text::Mime;
    } else if (text == "HEADER.FIELDS" || text == "HEADER.FIELDS.NOT") {
        s.text =
            text == "HEADER.FIELDS" ? Section::Text::HeaderFields : Section::Text::HeaderFieldsNot;
        args.expect(Token::Type::ListBegin, "a list of header field names");
        while (!args.accept(Token::Type::ListEnd)) {
            std::string f = args.astring("a header field name");
            if (f.empty()) ArgReader::fail("Empty header field name");
            for (unsigned char c : f)
                if (c <= 0x20 || c >= 0x7f || c == ':')
                    ArgReader::fail("Invalid header field name");
            s.fields.push_back(ascii::upper(std::move(f)));
        }
        if (s.fields.empty()) ArgReader::fail("Empty header field list");
    } else {
        ArgReader::fail("Unknown section " + text);
    }
    args.expect(Token::Type::SectionEnd, "]");
    return s;
}

void parsePartial(ArgReader& args, FetchItem& item) {
    const Token* t = args.peek();
    if (!t || t->spaceBefore || t->type != Token::Type::Atom || t->value.empty() ||
        t->value[0] != '<')
        return;
    std::string v = args.atom();
    size_t dot = v.find('.');
    if (v.back() != '>' || dot == std::string::npos)
        ArgReader::fail("Invalid partial <origin.length>");
    std::uint32_t origin = 0, length = 0;
    auto parse = [](std::string_view s, std::uint32_t& out) {
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return !s.empty() && ec == std::errc() && p == s.data() + s.size();
    };
    if (!parse(std::string_view(v).substr(1, dot - 1), origin) ||
        !parse(std::string_view(v).substr(dot + 1, v.size() - dot - 2), length) || length == 0)
        ArgReader::fail("Invalid partial <origin.length>");
    item.partialOrigin = origin;
    item.partialLength = length;
}

void parseItem(ArgReader& args, FetchRequest& req) {
    using K = FetchItem::Kind;
    std::string name = args.upperAtom("a fetch item");
    auto add = [&](K kind) { req.items.push_back(FetchItem{kind, {}, false, std::nullopt, 0}); };
    if (name == "UID") return add(K::Uid);
    if (name == "FLAGS") return add(K::Flags);
    if (name == "INTERNALDATE") return add(K::InternalDate);
    if (name == "RFC822.SIZE") return add(K::Rfc822Size);
    if (name == "ENVELOPE") return add(K::Envelope);
    if (name == "BODYSTRUCTURE") return add(K::BodyStructure);
    if (name == "RFC822") return add(K::Rfc822);
    if (name == "RFC822.HEADER") return add(K::Rfc822Header);
    if (name == "RFC822.TEXT") return add(K::Rfc822Text);
    if (name == "MODSEQ") return add(K::ModSeq);
    if (name == "BODY" || name == "BODY.PEEK") {
        const Token* t = args.peek();
        if (t && t->type == Token::Type::SectionBegin && !t->spaceBefore) {
            args.accept(Token::Type::SectionBegin);
            FetchItem item{K::Section, parseSection(args), name == "BODY.PEEK", std::nullopt, 0};
            parsePartial(args, item);
            req.items.push_back(std::move(item));
            return;
        }
        if (name == "BODY") return add(K::Body);
    }
    ArgReader::fail("Unknown fetch item " + name);
}

}  // namespace

void writeSectionName(ResponseWriter& w, const FetchItem& item) {
    const Section& section = item.section;
    std::string name = "BODY[";  // "[" is an ATOM-CHAR: the name up to the list is an atom
    for (size_t i = 0; i < section.part.size(); ++i) {
        if (i) name += '.';
        name += std::to_string(section.part[i]);
    }
    const char* text = nullptr;
    switch (section.text) {
        case Section::Text::Full:
            break;
        case Section::Text::Header:
            text = "HEADER";
            break;
        case Section::Text::Text:
            text = "TEXT";
            break;
        case Section::Text::Mime:
            text = "MIME";
            break;
        case Section::Text::HeaderFields:
            text = "HEADER.FIELDS";
            break;
        case Section::Text::HeaderFieldsNot:
            text = "HEADER.FIELDS.NOT";
            break;
    }
    if (text) {
        if (!section.part.empty()) name += '.';
        name += text;
    }
    w.atom(name);
    if (section.text == Section::Text::HeaderFields ||
        section.text == Section::Text::HeaderFieldsNot) {
        w.open();
        for (const auto& field : section.fields)
            w.astring(field);
        w.close();
    }
    w.sectionEnd(item.partialOrigin);
}

bool FetchRequest::setsSeen() const {
    for (const auto& i : items) {
        if (i.kind == FetchItem::Kind::Section && !i.peek) return true;
        if (i.kind == FetchItem::Kind::Rfc822 || i.kind == FetchItem::Kind::Rfc822Text) return true;
    }
    return false;
}

bool FetchRequest::wants(FetchItem::Kind kind) const {
    for (const auto& i : items)
        if (i.kind == kind) return true;
    return false;
}

FetchRequest parseFetchItems(ArgReader& args) {
    using K = FetchItem::Kind;
    FetchRequest req;
    auto add = [&](K kind) { req.items.push_back(FetchItem{kind, {}, false, std::nullopt, 0}); };
    // The macros of RFC 3501 6.4.5.
    if (args.acceptAtom("ALL")) {
        for (K k : {K::Flags, K::InternalDate, K::Rfc822Size, K::Envelope})
            add(k);
    } else if (args.acceptAtom("FAST")) {
        for (K k : {K::Flags, K::InternalDate, K::Rfc822Size})
            add(k);
    } else if (args.acceptAtom("FULL")) {
        for (K k : {K::Flags, K::InternalDate, K::Rfc822Size, K::Envelope, K::Body})
            add(k);
    } else if (args.accept(Token::Type::ListBegin)) {
        while (!args.accept(Token::Type::ListEnd))
            parseItem(args, req);
        if (req.items.empty()) ArgReader::fail("Empty fetch item list");
    } else {
        parseItem(args, req);
    }
    if (args.accept(Token::Type::ListBegin)) {
        while (!args.accept(Token::Type::ListEnd)) {
            std::string modifier = args.upperAtom("a fetch modifier");
            if (modifier == "CHANGEDSINCE") {
                req.changedSince = args.number64("a mod-sequence");
            } else if (modifier == "VANISHED") {
                req.vanished = true;
            } else {
                ArgReader::fail("Unknown fetch modifier " + modifier);
            }
        }
        if (req.vanished && !req.changedSince) ArgReader::fail("VANISHED needs CHANGEDSINCE");
        // CHANGEDSINCE implies MODSEQ in the answers (RFC 7162 3.1.4.1).
        if (req.changedSince && !req.wants(K::ModSeq)) add(K::ModSeq);
    }
    return req;
}

}  // namespace maildex::core::commands
