#pragma once
// Typed reading of a command's tokens. Each command's parser walks its arguments with
// an ArgReader and gets strings, numbers, sequence sets and lists, or a ParseError that
// becomes a tagged BAD (RFC 3501 section 7.1.3) naming what was expected.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/imap/request.h"
#include "core/imap/sequence_set.h"

namespace maildex::core {

class ParseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class ArgReader {
  public:
    explicit ArgReader(const std::vector<Token>& args, std::size_t start = 0)
        : args_(args), pos_(start) {}

    bool atEnd() const { return pos_ >= args_.size(); }
    const Token* peek() const { return atEnd() ? nullptr : &args_[pos_]; }
    bool peekIs(Token::Type type) const { return !atEnd() && args_[pos_].type == type; }
    // The next token is this atom (case-insensitive).
    bool peekAtom(std::string_view word) const;
    // Consumes the next token when it is this atom.
    bool acceptAtom(std::string_view word);
    bool accept(Token::Type type);
    std::size_t position() const { return pos_; }

    const Token& next(std::string_view what);
    std::string atom(std::string_view what = "an atom");
    std::string upperAtom(std::string_view what = "an atom");
    // astring: a string, or 1*ASTRING-CHAR, which includes "[" and "]".
    std::string astring(std::string_view what = "a string");
    std::string string(std::string_view what = "a string");
    std::optional<std::string> nstring(std::string_view what = "a string or NIL");
    std::uint32_t number(std::string_view what = "a number");
    std::uint64_t number64(std::string_view what = "a number");
    SequenceSet sequenceSet();
    // list-mailbox: 1*list-char (ASTRING-CHARs and the wildcards % *), or a string.
    std::string listMailbox();
    void expect(Token::Type type, std::string_view what);
    void expectEnd();

    [[noreturn]] static void fail(std::string message) { throw ParseError(message); }

  private:
    const std::vector<Token>& args_;
    std::size_t pos_;
};

}  // namespace maildex::core
