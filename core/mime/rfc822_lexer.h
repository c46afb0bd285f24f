#pragma once
// The lexical layer of RFC 5322 section 3.2 (CFWS, atoms, dot-atoms, quoted strings, phrases,
// domains) and RFC 2045 section 5.1 tokens, over one unfolded header value.
//
// Real headers are often broken, and IMAP clients compare what we say with what Dovecot says,
// so the recovery rules follow Dovecot 2.3's rfc822-parser: every scan reports whether input
// remains (More), the value ended (End) or the syntax is broken (Error), and callers decide
// how far to trust a partial result. Bytes >= 0x80 count as atom text (RFC 6532 section 3.2);
// NUL counts as nothing, so it ends atoms and tokens.

#include <string>
#include <string_view>

namespace maildex::core::mime {

enum class Scan { Error, End, More };

class Rfc822Lexer {
  public:
    explicit Rfc822Lexer(std::string_view text) : text_(text) {}

    bool atEnd() const { return pos_ >= text_.size(); }
    // The current byte, or NUL at the end (never equal to any delimiter we test for).
    char peek() const { return atEnd() ? '\0' : text_[pos_]; }
    void advance() {
        if (!atEnd()) ++pos_;
    }
    std::size_t position() const { return pos_; }
    void seek(std::size_t pos) { pos_ = pos; }
    Scan state() const { return atEnd() ? Scan::End : Scan::More; }

    // Whether comments are remembered: an address without a display name takes its name
    // from the last comment (RFC 5322 section 3.4 allows the comment; clients show it).
    void trackComments(bool on) { trackComments_ = on; }
    const std::string& lastComment() const { return lastComment_; }
    void clearLastComment() { lastComment_.clear(); }

    // CFWS: spaces, tabs, line breaks and nested comments. Error for an unclosed comment.
    Scan skipCfws();
    // atom = 1*atext; Error when there is none.
    Scan atom(std::string& out);
    // dot-atom-text with CFWS allowed around the dots (RFC 5322 section 4.4); every dot must
    // be followed by atext.
    Scan dotAtom(std::string& out);
    // obs-local-part as mailers write it: leading, trailing and doubled dots are kept.
    Scan looseDotAtom(std::string& out);
    // RFC 2045 token (may be empty) plus the CFWS after it.
    Scan mimeToken(std::string& out);
    // At '"': the content without quotes and escapes, folding line breaks removed.
    Scan quotedString(std::string& out);
    // phrase = 1*word / obs-phrase (words and dots); words are joined with one space.
    Scan phrase(std::string& out);
    // At '@': a domain (dot-atom or domain-literal).
    Scan domain(std::string& out);

    static bool isAtext(unsigned char c);
    static bool isTokenChar(unsigned char c);

  private:
    // Quoted text, comments and domain literals keep what they contain, except NUL, which
    // becomes U+FFFD (as in Dovecot; a NUL cannot be sent in an IMAP string).
    static void appendQuoted(std::string& out, std::string_view text);
    Scan skipComment();
    Scan atomOrDots(std::string& out);
    Scan domainLiteral(std::string& out);

    std::string_view text_;
    std::size_t pos_ = 0;
    bool trackComments_ = false;
    std::string lastComment_;
};

}  // namespace maildex::core::mime
