#include "core/search/search_parser.h"

#include <iconv.h>

#include <cctype>
#include <cerrno>

#include "core/command.h"
#include "core/imap/ascii.h"
#include "core/imap/dates.h"

namespace maildex::core::search {

namespace {

// The client's search strings in UTF-8. glibc's iconv knows every charset a client
// might name; UTF-8 and US-ASCII (the two RFC 3501 requires) need no conversion.
bool isUtf8Compatible(const std::string& charset) {
    std::string cs = ascii::upper(charset);
    return cs == "UTF-8" || cs == "US-ASCII" || cs == "UTF8";
}

iconv_t openConverter(const std::string& charset) {
    iconv_t cd = ::iconv_open("UTF-8", charset.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        throw CommandError("Unknown charset " + charset, "BADCHARSET (UTF-8 US-ASCII)");
    return cd;
}

std::string toUtf8(const std::string& text, const std::string& charset) {
    if (isUtf8Compatible(charset)) return text;
    iconv_t cd = openConverter(charset);
    std::string out(text.size() * 4 + 16, '\0');
    char* in = const_cast<char*>(text.data());
    size_t inLeft = text.size();
    char* o = out.data();
    size_t outLeft = out.size();
    size_t r = ::iconv(cd, &in, &inLeft, &o, &outLeft);
    ::iconv_close(cd);
    if (r == static_cast<size_t>(-1))
        throw CommandError("Search string is not valid " + charset, "BADCHARSET");
    out.resize(out.size() - outLeft);
    return out;
}

bool looksLikeSequenceSet(const Token& t) {
    if (t.type != Token::Type::Atom || t.value.empty()) return false;
    for (char c : t.value)
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '*' && c != ':' && c != ',')
            return false;
    return true;
}

class Parser {
  public:
    Parser(ArgReader& args, std::string charset) : args_(args), charset_(std::move(charset)) {}

    Key keys() {
        Key all;
        all.kind = Key::Kind::And;
        if (args_.atEnd()) ArgReader::fail("Missing search criteria");
        while (!args_.atEnd())
            all.children.push_back(key(0));
        return all;
    }

  private:
    std::string text() { return toUtf8(args_.astring("a search string"), charset_); }

    std::int64_t date() {
        std::string d = args_.astring("a date");
        auto t = parseDate(d);
        if (!t) ArgReader::fail("Invalid date '" + d + "'");
        return *t;
    }

    Key key(int depth) {
        if (depth > 50) ArgReader::fail("Search criteria nested too deeply");
        using K = Key::Kind;
        Key k;
        const Token* t = args_.peek();
        if (!t) ArgReader::fail("Missing search key");
        if (t->type == Token::Type::ListBegin) {
            args_.accept(Token::Type::ListBegin);
            k.kind = K::And;
            while (!args_.accept(Token::Type::ListEnd))
                k.children.push_back(key(depth + 1));
            if (k.children.empty()) ArgReader::fail("Empty parenthesized search key");
            return k;
        }
        if (looksLikeSequenceSet(*t)) {
            k.kind = K::SequenceSet;
            k.set = args_.sequenceSet();
            return k;
        }
        std::string name = args_.upperAtom("a search key");
        struct Simple {
            const char* name;
            K kind;
        };
        static const Simple kSimple[] = {
            {"ALL", K::All},
            {"ANSWERED", K::Answered},
            {"DELETED", K::Deleted},
            {"DRAFT", K::Draft},
            {"FLAGGED", K::Flagged},
            {"SEEN", K::Seen},
            {"RECENT", K::Recent},
            {"NEW", K::New},
            {"OLD", K::Old},
            {"UNANSWERED", K::Unanswered},
            {"UNDELETED", K::Undeleted},
            {"UNDRAFT", K::Undraft},
            {"UNFLAGGED", K::Unflagged},
            {"UNSEEN", K::Unseen},
        };
        for (const auto& s : kSimple)
            if (name == s.name) {
                k.kind = s.kind;
                return k;
            }
        struct WithText {
            const char* name;
            K kind;
        };
        static const WithText kText[] = {{"BCC", K::Bcc},         {"CC", K::Cc}, {"FROM", K::From},
                                         {"SUBJECT", K::Subject}, {"TO", K::To}, {"BODY", K::Body},
                                         {"TEXT", K::Text}};
        for (const auto& s : kText)
            if (name == s.name) {
                k.kind = s.kind;
                k.text = text();
                return k;
            }
        struct WithDate {
            const char* name;
            K kind;
        };
        static const WithDate kDate[] = {{"BEFORE", K::Before}, {"ON", K::On},
                                         {"SINCE", K::Since},   {"SENTBEFORE", K::SentBefore},
                                         {"SENTON", K::SentOn}, {"SENTSINCE", K::SentSince}};
        for (const auto& s : kDate)
            if (name == s.name) {
                k.kind = s.kind;
                k.number = date();
                return k;
            }
        if (name == "KEYWORD" || name == "UNKEYWORD") {
            k.kind = name == "KEYWORD" ? K::Keyword : K::Unkeyword;
            k.text = args_.atom("a keyword");
            return k;
        }
        if (name == "LARGER" || name == "SMALLER") {
            k.kind = name == "LARGER" ? K::Larger : K::Smaller;
            k.number = static_cast<std::int64_t>(args_.number64("a size"));
            return k;
        }
        if (name == "OLDER" || name == "YOUNGER") {  // RFC 5032
            k.kind = name == "OLDER" ? K::Older : K::Younger;
            k.number = static_cast<std::int64_t>(args_.number64("a number of seconds"));
            if (k.number == 0) ArgReader::fail(name + " needs a positive number of seconds");
            return k;
        }
        if (name == "HEADER") {
            k.kind = K::Header;
            k.field = args_.astring("a header field name");
            k.text = text();
            return k;
        }
        if (name == "MODSEQ") {
            // [entry-name entry-type-req] mod-sequence-valzer; per-flag entries are not
            // kept apart here, so every entry means the message's mod-sequence.
            if (args_.peek() && args_.peek()->isString()) {
                args_.string("an entry name");
                std::string type = args_.upperAtom("priv, shared or all");
                if (type != "PRIV" && type != "SHARED" && type != "ALL")
                    ArgReader::fail("Expected priv, shared or all");
            }
            k.kind = K::ModSeq;
            k.number = static_cast<std::int64_t>(args_.number64("a mod-sequence"));
            return k;
        }
        if (name == "UID") {
            k.kind = K::UidSet;
            k.set = args_.sequenceSet();
            return k;
        }
        if (name == "NOT") {
            k.kind = K::Not;
            k.children.push_back(key(depth + 1));
            return k;
        }
        if (name == "OR") {
            k.kind = K::Or;
            k.children.push_back(key(depth + 1));
            k.children.push_back(key(depth + 1));
            return k;
        }
        ArgReader::fail("Unknown search key " + name);
    }

    ArgReader& args_;
    std::string charset_;
};

}  // namespace

Program parseSearch(ArgReader& args, bool allowReturn) {
    Program p;
    if (allowReturn && args.acceptAtom("RETURN")) {
        p.ret.esearch = true;
        args.expect(Token::Type::ListBegin, "a list of return options");
        while (!args.accept(Token::Type::ListEnd)) {
            std::string opt = args.upperAtom("a return option");
            if (opt == "MIN")
                p.ret.min = true;
            else if (opt == "MAX")
                p.ret.max = true;
            else if (opt == "ALL")
                p.ret.all = true;
            else if (opt == "COUNT")
                p.ret.count = true;
            else
                ArgReader::fail("Unknown search return option " + opt);
        }
        if (!p.ret.min && !p.ret.max && !p.ret.count) p.ret.all = true;  // RETURN () means ALL
    }
    if (args.acceptAtom("CHARSET")) p.charset = args.astring("a charset");
    p.root = Parser(args, p.charset).keys();
    return p;
}

Program parseCharsetAndKeys(ArgReader& args) {
    Program program;
    program.charset = args.astring("a charset");
    program.root = Parser(args, program.charset).keys();
    if (!isUtf8Compatible(program.charset)) ::iconv_close(openConverter(program.charset));
    return program;
}

namespace {
template <class Pred>
bool any(const Key& k, Pred pred) {
    if (pred(k)) return true;
    for (const auto& c : k.children)
        if (any(c, pred)) return true;
    return false;
}
}  // namespace

bool needsFileInfo(const Key& key) {
    return any(key, [](const Key& k) {
        switch (k.kind) {
            case Key::Kind::Before:
            case Key::Kind::On:
            case Key::Kind::Since:
            case Key::Kind::Older:
            case Key::Kind::Younger:
            case Key::Kind::Larger:
            case Key::Kind::Smaller:
                return true;
            default:
                return false;
        }
    });
}

bool needsHeader(const Key& key) {
    return any(key, [](const Key& k) {
        switch (k.kind) {
            case Key::Kind::SentBefore:
            case Key::Kind::SentOn:
            case Key::Kind::SentSince:
            case Key::Kind::Header:
            case Key::Kind::Bcc:
            case Key::Kind::Cc:
            case Key::Kind::From:
            case Key::Kind::Subject:
            case Key::Kind::To:
                return true;
            default:
                return false;
        }
    });
}

bool needsBody(const Key& key) {
    return any(key,
               [](const Key& k) { return k.kind == Key::Kind::Body || k.kind == Key::Kind::Text; });
}

}  // namespace maildex::core::search
