#include "core/mime/rfc822_lexer.h"

namespace maildex::core::mime {

bool Rfc822Lexer::isAtext(unsigned char c) {
    // RFC 5322 section 3.2.3 atext, plus 8-bit bytes (RFC 6532).
    if (c >= 0x80) return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '/':
        case '=':
        case '?':
        case '^':
        case '_':
        case '`':
        case '{':
        case '|':
        case '}':
        case '~':
            return true;
        default:
            return false;
    }
}

bool Rfc822Lexer::isTokenChar(unsigned char c) {
    // RFC 2045 section 5.1: token excludes tspecials; '.' is allowed (it is not atext).
    if (c == '/' || c == '=' || c == '?') return false;
    return c == '.' || isAtext(c);
}

void Rfc822Lexer::appendQuoted(std::string& out, std::string_view text) {
    for (char c : text)
        if (c == '\0')
            out += "\xEF\xBF\xBD";
        else
            out += c;
}

Scan Rfc822Lexer::skipComment() {
    if (trackComments_) lastComment_.clear();
    int depth = 1;
    std::size_t start = ++pos_;
    for (; pos_ < text_.size(); ++pos_) {
        char c = text_[pos_];
        if (c == '(') {
            ++depth;
        } else if (c == ')') {
            if (--depth == 0) {
                if (trackComments_) appendQuoted(lastComment_, text_.substr(start, pos_ - start));
                ++pos_;
                return state();
            }
        } else if (c == '\\') {
            // quoted-pair: keep the escaped byte, drop the backslash.
            if (trackComments_) appendQuoted(lastComment_, text_.substr(start, pos_ - start));
            start = ++pos_;
            if (pos_ >= text_.size()) return Scan::Error;
        }
    }
    return Scan::Error;
}

Scan Rfc822Lexer::skipCfws() {
    while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++pos_;
        } else if (c == '(') {
            if (skipComment() == Scan::Error) return Scan::Error;
        } else {
            break;
        }
    }
    return state();
}

Scan Rfc822Lexer::atom(std::string& out) {
    if (atEnd() || !isAtext(static_cast<unsigned char>(peek()))) return Scan::Error;
    std::size_t start = pos_;
    while (pos_ < text_.size() && isAtext(static_cast<unsigned char>(text_[pos_])))
        ++pos_;
    out.append(text_.substr(start, pos_ - start));
    return atEnd() ? Scan::End : skipCfws();
}

Scan Rfc822Lexer::dotAtom(std::string& out) {
    for (;;) {
        if (atEnd() || !isAtext(static_cast<unsigned char>(peek()))) return Scan::Error;
        std::size_t start = pos_;
        while (pos_ < text_.size() && isAtext(static_cast<unsigned char>(text_[pos_])))
            ++pos_;
        out.append(text_.substr(start, pos_ - start));
        Scan s = skipCfws();
        if (s != Scan::More) return s;
        if (peek() != '.') return Scan::More;
        ++pos_;
        out += '.';
        if (skipCfws() == Scan::Error) return Scan::Error;
    }
}

Scan Rfc822Lexer::looseDotAtom(std::string& out) {
    Scan result = Scan::Error;
    do {
        while (peek() == '.') {
            out += '.';
            ++pos_;
            if (atEnd()) return Scan::End;
            result = Scan::More;
        }
        if (peek() == '@') break;
        result = atom(out);
    } while (result == Scan::More && peek() == '.');
    return result;
}

Scan Rfc822Lexer::mimeToken(std::string& out) {
    std::size_t start = pos_;
    while (pos_ < text_.size() && isTokenChar(static_cast<unsigned char>(text_[pos_])))
        ++pos_;
    out.append(text_.substr(start, pos_ - start));
    return atEnd() ? Scan::End : skipCfws();
}

Scan Rfc822Lexer::quotedString(std::string& out) {
    std::size_t start = ++pos_;  // after the opening quote
    for (; pos_ < text_.size(); ++pos_) {
        char c = text_[pos_];
        if (c == '"') {
            appendQuoted(out, text_.substr(start, pos_ - start));
            ++pos_;
            return skipCfws();
        }
        if (c == '\n') {
            // Folding inside the quotes (RFC 5322 section 3.2.4): the line break goes.
            std::size_t len = pos_ - start;
            if (len > 0 && text_[start + len - 1] == '\r') --len;
            appendQuoted(out, text_.substr(start, len));
            start = pos_ + 1;
        } else if (c == '\\') {
            ++pos_;
            if (pos_ >= text_.size()) return Scan::Error;
            appendQuoted(out, text_.substr(start, pos_ - 1 - start));
            start = pos_;
        } else if (c == '\0') {
            // Taken at once, like line breaks: an unclosed string keeps what came before.
            appendQuoted(out, text_.substr(start, pos_ + 1 - start));
            start = pos_ + 1;
        }
    }
    return Scan::Error;  // no closing quote
}

Scan Rfc822Lexer::atomOrDots(std::string& out) {
    std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (isAtext(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.'))
        ++pos_;
    out.append(text_.substr(start, pos_ - start));
    return atEnd() ? Scan::End : skipCfws();
}

Scan Rfc822Lexer::phrase(std::string& out) {
    if (atEnd()) return Scan::End;
    if (peek() == '.') return Scan::Error;
    for (;;) {
        Scan s = peek() == '"' ? quotedString(out) : atomOrDots(out);
        if (s != Scan::More) return s;
        unsigned char c = static_cast<unsigned char>(peek());
        if (!isAtext(c) && c != '"' && c != '.') break;
        out += ' ';
    }
    return skipCfws();
}

Scan Rfc822Lexer::domainLiteral(std::string& out) {
    std::size_t start = pos_;
    for (; pos_ < text_.size(); ++pos_) {
        if (text_[pos_] == '\\') {
            if (++pos_ >= text_.size()) break;
        } else if (text_[pos_] == ']') {
            ++pos_;
            appendQuoted(out, text_.substr(start, pos_ - start));
            return skipCfws();
        }
    }
    return Scan::Error;
}

Scan Rfc822Lexer::domain(std::string& out) {
    ++pos_;  // '@'
    if (skipCfws() != Scan::More) return Scan::Error;
    return peek() == '[' ? domainLiteral(out) : dotAtom(out);
}

}  // namespace maildex::core::mime
