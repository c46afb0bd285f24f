#pragma once
// A command as the receiver delivers it: tag, name and the arguments as tokens. Tokens
// keep whether a space preceded them, because IMAP joins some things without one
// ("BODY[TEXT]<0.100>", a list-mailbox with a ']' in it), and whether a string came
// quoted or as a literal (a quoted "NIL" is a string; the atom NIL is nil).

#include <cstdint>
#include <string>
#include <vector>

namespace maildex::core {

struct Token {
    enum class Type : std::uint8_t {
        Atom,
        Quoted,
        Literal,
        ListBegin,     // (
        ListEnd,       // )
        SectionBegin,  // [
        SectionEnd,    // ]
    };
    Type type;
    bool spaceBefore = false;
    bool literal8 = false;  // ~{n} (RFC 3516 BINARY)
    std::string value;

    bool isString() const { return type == Type::Quoted || type == Type::Literal; }
};

struct Request {
    std::string tag;
    std::string name;  // upper-cased, e.g. "FETCH" or "UID"
    std::vector<Token> args;
};

}  // namespace maildex::core
