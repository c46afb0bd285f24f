#include "core/mime/address.h"

#include "core/mime/rfc822_lexer.h"

namespace maildex::core::mime {

namespace {

class AddressParser {
  public:
    explicit AddressParser(std::string_view value) : lx_(value) { lx_.trackComments(true); }

    std::vector<Address> parse() {
        if (lx_.skipCfws() != Scan::More) return {};
        // address-list = address *("," address), with empty elements (obs-addr-list)
        // reported as missing addresses.
        for (;;) {
            Scan s = address();
            if (s == Scan::End) break;
            if (lx_.peek() != ',') break;
            lx_.advance();
            s = lx_.skipCfws();
            if (s != Scan::More) {
                if (s == Scan::Error) addCompleted();  // trailing garbage
                break;
            }
        }
        return std::move(list_);
    }

  private:
    void add() {
        list_.push_back(std::move(cur_));
        cur_ = Address{};
        curInvalid_ = false;
    }

    // An address that must look like one: what is missing is named, not NIL.
    void addCompleted() {
        if (!cur_.mailbox) cur_.mailbox = "MISSING_MAILBOX";
        if (!cur_.host || cur_.host->empty()) cur_.host = "MISSING_DOMAIN";
        add();
    }

    Scan localPart() {
        str_.clear();
        Scan s = lx_.peek() == '"' ? lx_.quotedString(str_) : lx_.looseDotAtom(str_);
        if (s == Scan::Error) return s;
        cur_.mailbox = str_;
        return s;
    }

    Scan domain() {
        str_.clear();
        Scan s = lx_.domain(str_);
        if (s == Scan::Error) return s;
        cur_.host = str_;
        return s;
    }

    // obs-route: "@" domain *("," ["@" domain]) ":"
    Scan route() {
        str_.clear();
        for (;;) {
            if (lx_.atEnd()) return Scan::End;
            if (lx_.peek() != '@') break;
            if (!str_.empty()) str_ += ',';
            str_ += '@';
            Scan s = lx_.domain(str_);
            if (s != Scan::More) return s;
            while (lx_.skipCfws() == Scan::More && lx_.peek() == ',')
                lx_.advance();
        }
        cur_.route = str_;
        return Scan::More;
    }

    // angle-addr = "<" [obs-route] addr-spec ">", at '<'.
    Scan angleAddr() {
        lx_.advance();
        if (lx_.skipCfws() != Scan::More) return Scan::Error;
        if (lx_.peek() == '@') {
            if (route() == Scan::More && lx_.peek() == ':') {
                lx_.advance();
            } else {
                cur_.route = "INVALID_ROUTE";
                if (lx_.atEnd()) return Scan::Error;
            }
            if (lx_.skipCfws() != Scan::More) return Scan::Error;
        }
        if (lx_.peek() != '>') {  // "<>" has neither mailbox nor host
            if (localPart() != Scan::More) return Scan::Error;
            if (lx_.peek() == '@' && domain() != Scan::More) return Scan::Error;
        }
        if (lx_.peek() != '>') return Scan::Error;
        lx_.advance();
        return lx_.skipCfws();
    }

    // name-addr = [display-name] angle-addr
    Scan nameAddr() {
        str_.clear();
        if (lx_.phrase(str_) != Scan::More || lx_.peek() != '<') return Scan::Error;
        if (!str_.empty()) cur_.name = str_;
        if (angleAddr() == Scan::Error) {
            cur_.host = "SYNTAX_ERROR";
            curInvalid_ = true;
        }
        return lx_.state();
    }

    Scan addrSpec() {
        lx_.clearLastComment();
        bool quoted = lx_.peek() == '"';
        Scan s = localPart();
        if (s != Scan::More) curInvalid_ = true;
        bool triedDomain = false;
        if (s != Scan::End && lx_.peek() == '@') {
            triedDomain = true;
            Scan d = domain();
            if (d != Scan::More) s = d;
        }
        if (!lx_.lastComment().empty()) {
            cur_.name = lx_.lastComment();
        } else if (!triedDomain) {
            // "user" alone is a mailbox without a host; "user more words" is a name without
            // an address.
            str_ += ' ';
            std::size_t before = str_.size();
            lx_.phrase(str_);
            if (str_.size() != before) {
                cur_.mailbox.reset();
                cur_.name = str_;
            } else if (!quoted) {
                cur_.host = "";
            }
            curInvalid_ = true;
            s = Scan::Error;
        }
        return s;
    }

    Scan mailbox() {
        std::size_t start = lx_.position();
        Scan s = nameAddr();
        if (s == Scan::Error) {
            lx_.seek(start);
            s = addrSpec();
            // A lone quoted word is a display name, not a mailbox.
            if (curInvalid_ && !cur_.name && cur_.mailbox && !cur_.host) {
                cur_.name = std::move(cur_.mailbox);
                cur_.mailbox.reset();
            }
        }
        addCompleted();
        return s;
    }

    // group = display-name ":" [mailbox-list / CFWS] ";" [CFWS]
    Scan group() {
        str_.clear();
        if (lx_.phrase(str_) != Scan::More || lx_.peek() != ':') return Scan::Error;
        lx_.advance();
        // From here on it is a group, however broken.
        Scan s = lx_.skipCfws();
        cur_.mailbox = str_;
        add();
        if (s == Scan::More && lx_.peek() != ';') {
            for (;;) {
                mailbox();
                if (lx_.peek() != ',') break;
                lx_.advance();
                if (lx_.skipCfws() != Scan::More) {
                    s = Scan::Error;
                    break;
                }
            }
        }
        if (s != Scan::Error) {
            if (lx_.peek() != ';') {
                s = Scan::Error;
            } else {
                lx_.advance();
                s = lx_.skipCfws();
            }
        }
        add();  // the group end marker
        return s == Scan::End ? Scan::End : Scan::More;
    }

    Scan address() {
        std::size_t start = lx_.position();
        Scan s = group();
        if (s == Scan::Error) {
            lx_.seek(start);
            s = mailbox();
        }
        return s;
    }

    Rfc822Lexer lx_;
    std::vector<Address> list_;
    Address cur_;
    bool curInvalid_ = false;
    std::string str_;
};

}  // namespace

std::vector<Address> parseAddressList(std::string_view value) {
    return AddressParser(value).parse();
}

}  // namespace maildex::core::mime
