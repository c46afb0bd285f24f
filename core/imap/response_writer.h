#pragma once
// The one place IMAP response text is made. Handlers say what a value is (a number, a
// protocol atom, a string from a message or a user) and the writer decides how it goes
// on the wire: atom, quoted string or literal. A value from outside can therefore never
// break a response: a keyword, mailbox name or header with a quote, CR or LF comes out
// quoted with escapes or as a literal (RFC 3501 section 4.3).
//
//   w.untagged().atom("FLAGS").open().atom("\\Seen").close().end();
//   w.tagged(tag).ok().code("UIDNEXT").number(7).text("Predicted next UID").end();
//
// Items are separated by one space automatically, except after "(" and before ")".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maildex::core {

class ResponseWriter {
  public:
    explicit ResponseWriter(std::string& out) : out_(out) {}

    // UTF8=ACCEPT (RFC 6855): 8-bit UTF-8 may then go in quoted strings.
    void setUtf8(bool on) { utf8_ = on; }
    bool utf8() const { return utf8_; }

    ResponseWriter& untagged();
    ResponseWriter& tagged(std::string_view tag);
    ResponseWriter& continuation();

    ResponseWriter& ok() { return atom("OK"); }
    ResponseWriter& no() { return atom("NO"); }
    ResponseWriter& bad() { return atom("BAD"); }
    ResponseWriter& bye() { return atom("BYE"); }

    // A response code: "[CODE" ... "]". Items between code() and codeEnd() are
    // arguments; text() closes an open code by itself.
    ResponseWriter& code(std::string_view name);
    ResponseWriter& codeEnd();

    // A protocol word the server chose (FETCH, \Seen, BODY[1.2): written as is. It must be
    // an atom, or a flag ("\" atom, or \*); a build with MAILDEX_CHECKS (the tests') stops
    // the process when it is not. Anything that comes from a message, a client or a file
    // goes through string(), astring() or flag() instead.
    ResponseWriter& atom(std::string_view word);
    // Several such words separated by spaces, e.g. the capability list.
    ResponseWriter& atoms(std::string_view words);
    ResponseWriter& number(std::uint64_t n);
    // Any string: quoted when that is safe, else a literal.
    ResponseWriter& string(std::string_view s);
    // astring: an atom when the value is one (and not NIL), else as string().
    ResponseWriter& astring(std::string_view s);
    // nstring: NIL or a string.
    ResponseWriter& nstring(const std::optional<std::string_view>& s);
    ResponseWriter& nil() { return atom("NIL"); }
    // Message content: always a literal, except that an empty string is written "". NUL
    // bytes, which no literal may hold, are written as 0x80.
    ResponseWriter& literal(std::string_view bytes);
    // The start of a literal of `size` bytes (at least one), which the caller then appends
    // to the output itself as it reads them (a large message body, sent in pieces as the
    // client reads: core/message/large_message.h). Nothing else may be written meanwhile.
    ResponseWriter& literalPrefix(std::uint64_t size);
    // A keyword or flag from the folder's keyword list: an atom when it is one, else
    // quoted (never valid, but never able to break the line either).
    ResponseWriter& flag(std::string_view name);

    ResponseWriter& open();
    ResponseWriter& close();
    // The end of a FETCH item's section, joined to what came before: "]", then "<origin>"
    // when a partial fetch answers (RFC 3501 section 9, msg-att-static:
    // "BODY" section ["<" number ">"]). The name before it is an atom ("BODY[1.TEXT": "["
    // is an ATOM-CHAR), with a header list between them written with open() and close().
    ResponseWriter& sectionEnd(std::optional<std::uint64_t> origin = std::nullopt);
    // The next item follows without a space, where the grammar concatenates: "1*address" in
    // ENVELOPE and "1*body" in a multipart BODYSTRUCTURE (RFC 3501 section 9).
    ResponseWriter& adjacent() {
        needSpace_ = false;
        return *this;
    }

    // A value this writer wrote before, kept as its bytes (a cached ENVELOPE), written
    // again as one item; and how to get those bytes: since(mark()) is what was written
    // after the mark, without the space that separated it.
    ResponseWriter& serialized(std::string_view value);
    std::size_t mark() const { return out_.size(); }
    std::string_view since(std::size_t mark) const;

    // Human-readable text to the end of the line. CR, LF and NUL become spaces.
    ResponseWriter& text(std::string_view s);
    void end();

    // Whether `s` may be sent as an atom (RFC 3501 ATOM-CHAR, non-empty).
    static bool isAtom(std::string_view s);
    // What atom() accepts: an atom, or a flag ("\" atom, or "\*").
    static bool isAtomOrFlag(std::string_view s);

  private:
    void separate();

    std::string& out_;
    bool utf8_ = false;
    bool needSpace_ = false;
    bool inCode_ = false;
};

}  // namespace maildex::core
