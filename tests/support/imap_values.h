#pragma once
// Reads IMAP response values (RFC 3501 section 9: NIL, atoms, numbers, quoted strings,
// literals, parenthesized lists) into a tree, so that two servers' answers can be compared
// by meaning: a quoted string and a literal with the same content are the same value.

#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::test {

struct ImapValue {
    enum class Kind { Nil, Atom, String, List };
    Kind kind = Kind::Nil;
    std::string text;
    std::vector<ImapValue> items;

    bool operator==(const ImapValue&) const = default;
};

inline void PrintTo(const ImapValue& v, std::ostream* os) {
    switch (v.kind) {
        case ImapValue::Kind::Nil:
            *os << "NIL";
            break;
        case ImapValue::Kind::Atom:
            *os << v.text;
            break;
        case ImapValue::Kind::String:
            *os << '"' << v.text << '"';
            break;
        case ImapValue::Kind::List:
            *os << '(';
            for (std::size_t i = 0; i < v.items.size(); ++i) {
                if (i) *os << ' ';
                PrintTo(v.items[i], os);
            }
            *os << ')';
            break;
    }
}

class ImapValueReader {
  public:
    explicit ImapValueReader(std::string_view text) : s_(text) {}

    bool atEnd() const { return pos_ >= s_.size(); }

    ImapValue value() {
        skipSpaces();
        ImapValue v;
        if (atEnd()) return v;
        char c = s_[pos_];
        if (c == '(') {
            ++pos_;
            v.kind = ImapValue::Kind::List;
            for (skipSpaces(); !atEnd() && s_[pos_] != ')'; skipSpaces())
                v.items.push_back(value());
            ++pos_;
        } else if (c == '"') {
            v.kind = ImapValue::Kind::String;
            for (++pos_; pos_ < s_.size() && s_[pos_] != '"'; ++pos_) {
                if (s_[pos_] == '\\') ++pos_;
                if (pos_ < s_.size()) v.text += s_[pos_];
            }
            ++pos_;
        } else if (c == '{') {
            std::size_t close = s_.find('}', pos_);
            std::size_t n = std::stoul(std::string(s_.substr(pos_ + 1, close - pos_ - 1)));
            v.kind = ImapValue::Kind::String;
            v.text = std::string(s_.substr(close + 3, n));
            pos_ = close + 3 + n;
        } else {
            // An atom; section names like BODY[HEADER.FIELDS (A B)] include their brackets.
            std::size_t start = pos_;
            int depth = 0;
            for (; pos_ < s_.size(); ++pos_) {
                char d = s_[pos_];
                if (d == '[') ++depth;
                if (d == ']') --depth;
                if (depth == 0 && (d == ' ' || d == '(' || d == ')' || d == '\r')) break;
            }
            v.text = std::string(s_.substr(start, pos_ - start));
            v.kind = v.text == "NIL" ? ImapValue::Kind::Nil : ImapValue::Kind::Atom;
            if (v.kind == ImapValue::Kind::Nil) v.text.clear();
        }
        return v;
    }

    // The name/value pairs of every "* n FETCH (...)" response in the text.
    static std::map<std::string, ImapValue> fetchItems(std::string_view responses) {
        std::map<std::string, ImapValue> items;
        ImapValueReader r(responses);
        for (;;) {
            std::size_t at = responses.find(" FETCH (", r.pos_);
            if (at == std::string_view::npos) break;
            r.pos_ = at + 7;
            ImapValue list = r.value();
            for (std::size_t i = 0; i + 1 < list.items.size(); i += 2)
                items[list.items[i].text] = list.items[i + 1];
        }
        return items;
    }

  private:
    void skipSpaces() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\r' || s_[pos_] == '\n'))
            ++pos_;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

}  // namespace maildex::test
