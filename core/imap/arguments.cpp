#include "core/imap/arguments.h"

#include <charconv>

#include "core/imap/ascii.h"

namespace maildex::core {

namespace {
// The receiver makes "[" and "]" tokens of their own, for FETCH's BODY[...]<...>. Anywhere
// else they are characters of a word: "[" is an ATOM-CHAR and "]" an ASTRING-CHAR and a
// list-char (RFC 3501 and RFC 9051 section 9: atom-specials name "]" but not "["), so an
// astring or list-mailbox goes on through them while no space comes between the pieces:
// "ab[cd" is Atom "ab", SectionBegin, Atom "cd", read back as one word.
bool isWordPiece(const Token& t) {
    return t.type == Token::Type::Atom || t.type == Token::Type::SectionBegin ||
           t.type == Token::Type::SectionEnd;
}

std::string_view pieceText(const Token& t) {
    if (t.type == Token::Type::SectionBegin) return "[";
    if (t.type == Token::Type::SectionEnd) return "]";
    return t.value;
}
}  // namespace

bool ArgReader::peekAtom(std::string_view word) const {
    return peekIs(Token::Type::Atom) && ascii::iequals(args_[pos_].value, word);
}

bool ArgReader::acceptAtom(std::string_view word) {
    if (!peekAtom(word)) return false;
    ++pos_;
    return true;
}

bool ArgReader::accept(Token::Type type) {
    if (!peekIs(type)) return false;
    ++pos_;
    return true;
}

const Token& ArgReader::next(std::string_view what) {
    if (atEnd()) fail("Missing argument: expected " + std::string(what));
    return args_[pos_++];
}

std::string ArgReader::atom(std::string_view what) {
    const Token& t = next(what);
    if (t.type != Token::Type::Atom) fail("Expected " + std::string(what));
    return t.value;
}

std::string ArgReader::upperAtom(std::string_view what) {
    return ascii::upper(atom(what));
}

std::string ArgReader::astring(std::string_view what) {
    const Token& t = next(what);
    if (t.isString()) return t.value;
    if (!isWordPiece(t)) fail("Expected " + std::string(what));
    std::string value(pieceText(t));
    while (!atEnd() && !args_[pos_].spaceBefore && isWordPiece(args_[pos_]))
        value += pieceText(args_[pos_++]);
    return value;
}

std::string ArgReader::string(std::string_view what) {
    const Token& t = next(what);
    if (!t.isString()) fail("Expected " + std::string(what) + " (quoted or literal)");
    return t.value;
}

std::optional<std::string> ArgReader::nstring(std::string_view what) {
    if (peekAtom("NIL")) {
        ++pos_;
        return std::nullopt;
    }
    return string(what);
}

std::uint64_t ArgReader::number64(std::string_view what) {
    const Token& t = next(what);
    std::uint64_t v = 0;
    if (t.type != Token::Type::Atom || t.value.empty() || t.value.size() > 20)
        fail("Expected " + std::string(what));
    auto [p, ec] = std::from_chars(t.value.data(), t.value.data() + t.value.size(), v);
    if (ec != std::errc() || p != t.value.data() + t.value.size())
        fail("Expected " + std::string(what));
    return v;
}

std::uint32_t ArgReader::number(std::string_view what) {
    std::uint64_t v = number64(what);
    if (v > 0xffffffffu) fail("Number out of range: expected " + std::string(what));
    return static_cast<std::uint32_t>(v);
}

SequenceSet ArgReader::sequenceSet() {
    const Token& t = next("a sequence set");
    if (t.type != Token::Type::Atom) fail("Expected a sequence set");
    auto set = SequenceSet::parse(t.value);
    if (!set) fail("Invalid sequence set '" + t.value + "'");
    return *set;
}

std::string ArgReader::listMailbox() {
    if (peek() && peek()->isString()) return next("a mailbox pattern").value;
    return astring("a mailbox pattern");
}

void ArgReader::expect(Token::Type type, std::string_view what) {
    const Token& t = next(what);
    if (t.type != type) fail("Expected " + std::string(what));
}

void ArgReader::expectEnd() {
    if (!atEnd()) fail("Unexpected extra arguments");
}

}  // namespace maildex::core
