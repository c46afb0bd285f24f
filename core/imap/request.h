#pragma once
// A command as the receiver delivers it: tag, name and the arguments as tokens. Tokens
// keep whether a space preceded them, because IMAP joins some things without one
// ("BODY[TEXT]<0.100>", a list-mailbox with a ']' in it), and whether a string came
// quoted or as a literal (a quoted "NIL" is a string; the atom NIL is nil).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::core {

// Where the receiver puts a literal's bytes as they arrive instead of keeping them in the
// token: a large APPEND message goes to a file, never whole into memory. Whoever made the
// sink knows what it is; the receiver only writes to it. write() must not throw: a sink
// that fails remembers it, and the command that takes the token answers NO.
class LiteralSink {
  public:
    virtual ~LiteralSink() = default;
    virtual void write(std::string_view bytes) = 0;
    virtual void finish() = 0;  // every byte has arrived
};

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
    std::shared_ptr<LiteralSink> sink{};  // a literal whose bytes went there, not to value

    bool isString() const { return type == Type::Quoted || type == Type::Literal; }
};

struct Request {
    std::string tag;
    std::string name;  // upper-cased, e.g. "FETCH" or "UID"
    std::vector<Token> args;
};

}  // namespace maildex::core
