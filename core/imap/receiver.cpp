#include "core/imap/receiver.h"

#include <algorithm>
#include <cctype>

#include "core/imap/ascii.h"

namespace maildex::core {

namespace {

bool validTag(const std::string& tag) {
    if (tag.empty()) return false;
    for (unsigned char c : tag) {
        // tag = 1*<any ASTRING-CHAR except "+"> (RFC 3501 section 9)
        if (!ascii::isAstringChar(c) || c == '+') return false;
    }
    return true;
}

// If a skipped line ends in a literal announcement "{n}" or "{n+}", its size.
bool trailingLiteral(const std::string& tail, std::uint64_t& size, bool& plus) {
    std::string_view t = tail;
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    if (t.empty() || t.back() != '}') return false;
    t.remove_suffix(1);
    plus = !t.empty() && t.back() == '+';
    if (plus) t.remove_suffix(1);
    size_t digits = 0;
    while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[t.size() - 1 - digits])))
        ++digits;
    if (digits == 0 || digits > 18 || digits == t.size() || t[t.size() - 1 - digits] != '{')
        return false;
    size = std::stoull(std::string(t.substr(t.size() - digits)));
    return true;
}

}  // namespace

void Receiver::expectLine() {
    resetCommand();
    state_ = State::LineMode;
}

void Receiver::resetCommand() {
    state_ = State::Start;
    request_ = Request{};
    current_.clear();
    sink_.reset();
    spaceBefore_ = false;
    literal8_ = false;
    literalPlus_ = false;
    literalSize_ = 0;
    literalSizeDigits_ = false;
    lineBytes_ = 0;
    depth_ = 0;
    tokens_ = 0;
    sawCr_ = false;
    failed_ = false;
    errorMessage_ = "";
    errorCode_ = "";
    errorNo_ = false;
}

std::size_t Receiver::literalLimit() const {
    return request_.name == "APPEND" ? limits_->maxAppendLiteral : limits_->maxLiteral;
}

void Receiver::fail(const char* message, const char* code, bool no) {
    if (!failed_) {
        failed_ = true;
        errorMessage_ = message;
        errorCode_ = code;
        errorNo_ = no;
    }
    current_.clear();
    current_.shrink_to_fit();
    state_ = State::Discard;
}

Receiver::Result Receiver::failNow(const char* message, const char* code, bool no) {
    fail(message, code, no);
    Result r;
    r.kind = Result::Kind::Error;
    r.tag = validTag(request_.tag) ? request_.tag : "";
    r.message = errorMessage_;
    r.code = errorCode_;
    r.no = errorNo_;
    resetCommand();
    return r;
}

Receiver::Result Receiver::closeNow(const char* message) {
    Result r;
    r.kind = Result::Kind::Error;
    r.tag = validTag(request_.tag) ? request_.tag : "";
    r.message = message;
    r.close = true;
    resetCommand();
    current_.shrink_to_fit();
    state_ = State::Closed;
    return r;
}

bool Receiver::pushToken(Token::Type type, std::string value, std::shared_ptr<LiteralSink> sink) {
    if (++tokens_ > limits_->maxTokens) {
        fail("Too many arguments");
        return false;
    }
    if (tokens_ == 1) {
        if (type != Token::Type::Atom || !validTag(value)) {
            fail("Invalid tag");
            return false;
        }
        request_.tag = std::move(value);
    } else if (tokens_ == 2) {
        if (type != Token::Type::Atom) {
            fail("Missing command name");
            return false;
        }
        request_.name = ascii::upper(std::move(value));
    } else {
        Token t;
        t.type = type;
        t.spaceBefore = spaceBefore_;
        t.literal8 = literal8_;
        t.value = std::move(value);
        t.sink = std::move(sink);
        request_.args.push_back(std::move(t));
    }
    spaceBefore_ = false;
    literal8_ = false;
    return true;
}

Receiver::Result Receiver::finishCommand() {
    Result r;
    if (!failed_) {
        if (tokens_ == 0) {  // an empty line: nothing to answer (kind stays NeedMore)
            resetCommand();
            return r;
        }
        if (tokens_ == 1)
            fail("Missing command name");
        else if (depth_ != 0)
            fail("Unbalanced parentheses");
    }
    if (failed_) {
        r.kind = Result::Kind::Error;
        r.tag = validTag(request_.tag) ? request_.tag : "";
        r.message = errorMessage_;
        r.code = errorCode_;
        r.no = errorNo_;
    } else {
        r.kind = Result::Kind::Request;
        r.request = std::move(request_);
    }
    resetCommand();
    return r;
}

Receiver::Result Receiver::parse(std::string_view& in) {
    if (state_ == State::Closed) {
        in.remove_prefix(in.size());
        return Result{};
    }
    while (!in.empty()) {
        // Literal octets are copied in bulk; everything else byte by byte.
        if (state_ == State::Literal) {
            size_t n = std::min<std::uint64_t>(literalSize_, in.size());
            if (sink_)
                sink_->write(in.substr(0, n));
            else
                current_.append(in.data(), n);
            in.remove_prefix(n);
            literalSize_ -= n;
            if (literalSize_ == 0) {
                state_ = State::Between;
                if (sink_) sink_->finish();
                pushToken(Token::Type::Literal, std::move(current_), std::move(sink_));
                current_.clear();
                sink_.reset();
            }
            continue;
        }
        if (state_ == State::DiscardLiteral) {
            size_t n = std::min<std::uint64_t>(literalSize_, in.size());
            in.remove_prefix(n);
            literalSize_ -= n;
            if (literalSize_ == 0) {
                state_ = State::Discard;
                current_.clear();
            }
            continue;
        }

        char c = in.front();
        in.remove_prefix(1);

        if (state_ == State::LineMode) {
            if (c == '\n') {
                if (!current_.empty() && current_.back() == '\r') current_.pop_back();
                Result r;
                r.kind = Result::Kind::Line;
                r.line = std::move(current_);
                resetCommand();
                return r;
            }
            if (current_.size() >= limits_->maxLineLength) return closeNow("Line too long");
            current_.push_back(c);
            continue;
        }

        if (state_ == State::Discard) {
            // Keep only the tail: enough to see a literal announcement at the line end.
            if (c == '\n') {
                std::uint64_t size = 0;
                bool plus = false;
                if (trailingLiteral(current_, size, plus)) {
                    current_.clear();
                    if (!plus) {
                        // The client waits for "+" that will not come: answer now.
                        Result r;
                        r.kind = Result::Kind::Error;
                        r.tag = validTag(request_.tag) ? request_.tag : "";
                        r.message = errorMessage_;
                        r.code = errorCode_;
                        r.no = errorNo_;
                        resetCommand();
                        return r;
                    }
                    literalSize_ = size;
                    state_ = size ? State::DiscardLiteral : State::Discard;
                    continue;
                }
                if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore) return r;
                continue;
            }
            // A skipped command's text counts against the line limit too: its end may
            // never come either.
            if (++lineBytes_ > limits_->maxLineLength) return closeNow("Command line too long");
            current_.push_back(c);
            if (current_.size() > 32) current_.erase(0, current_.size() - 32);
            continue;
        }

        if (++lineBytes_ > limits_->maxLineLength) return closeNow("Command line too long");
        if (c == '\0') {
            fail("NUL byte in command");
            continue;
        }

        switch (state_) {
            case State::Start:
            case State::Between:
                if (c == ' ') {
                    spaceBefore_ = true;
                } else if (c == '\r') {
                    state_ = State::LineEnd;
                } else if (c == '\n') {
                    {
                        if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore) return r;
                    }
                } else if (c == '(') {
                    if (++depth_ > limits_->maxDepth) {
                        fail("Lists nested too deeply");
                        break;
                    }
                    pushToken(Token::Type::ListBegin);
                    state_ = State::Between;
                } else if (c == ')') {
                    if (depth_ == 0) {
                        fail("Unbalanced parentheses");
                        break;
                    }
                    --depth_;
                    pushToken(Token::Type::ListEnd);
                    state_ = State::Between;
                } else if (c == '[') {
                    pushToken(Token::Type::SectionBegin);
                    state_ = State::Between;
                } else if (c == ']') {
                    pushToken(Token::Type::SectionEnd);
                    state_ = State::Between;
                } else if (c == '"') {
                    current_.clear();
                    state_ = State::Quoted;
                } else if (c == '{') {
                    literalSize_ = 0;
                    literalSizeDigits_ = false;
                    literalPlus_ = false;
                    state_ = State::LiteralOpen;
                } else {
                    current_.assign(1, c);
                    state_ = State::Atom;
                }
                break;

            case State::Atom:
                if (c == '{' && current_ == "~") {  // literal8
                    current_.clear();
                    literal8_ = true;
                    literalSize_ = 0;
                    literalSizeDigits_ = false;
                    literalPlus_ = false;
                    state_ = State::LiteralOpen;
                } else if (c == ' ' || c == '\r' || c == '\n' || c == '(' || c == ')' || c == '[' ||
                           c == ']' || c == '"') {
                    state_ = State::Between;
                    if (!pushToken(Token::Type::Atom, std::move(current_))) {
                        current_.clear();
                        if (c == '\n') {
                            if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore)
                                return r;
                        }
                        break;
                    }
                    current_.clear();
                    // Let the delimiter be handled as if it came after the atom.
                    in = std::string_view(in.data() - 1, in.size() + 1);
                    --lineBytes_;
                } else {
                    current_.push_back(c);
                }
                break;

            case State::Quoted:
                if (c == '"') {
                    state_ = State::Between;
                    pushToken(Token::Type::Quoted, std::move(current_));
                    current_.clear();
                } else if (c == '\\') {
                    state_ = State::QuotedEscape;
                } else if (c == '\r' || c == '\n') {
                    fail("Line break inside a quoted string");
                    if (c == '\n') {
                        if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore) return r;
                    }
                } else {
                    current_.push_back(c);
                }
                break;

            case State::QuotedEscape:
                if (c == '"' || c == '\\') {
                    current_.push_back(c);
                    state_ = State::Quoted;
                } else {
                    fail("Only \\\" and \\\\ may be escaped in a quoted string");
                    if (c == '\n') {
                        if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore) return r;
                    }
                }
                break;

            case State::LiteralOpen:
                if (c >= '0' && c <= '9' && !literalPlus_) {
                    literalSizeDigits_ = true;
                    if (literalSize_ > (std::uint64_t{1} << 40))
                        literalSize_ = std::uint64_t{1} << 41;  // absurd: stays "too large"
                    else
                        literalSize_ = literalSize_ * 10 + static_cast<std::uint64_t>(c - '0');
                } else if (c == '+' && literalSizeDigits_ && !literalPlus_) {
                    literalPlus_ = true;
                } else if (c == '}' && literalSizeDigits_) {
                    state_ = State::LiteralClose;
                    sawCr_ = false;
                } else {
                    fail("Invalid literal");
                    if (c == '\n') {
                        if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore) return r;
                    }
                }
                break;

            case State::LiteralClose:
                if (c == '\r' && !sawCr_) {
                    sawCr_ = true;
                } else if (c == '\n') {
                    sawCr_ = false;
                    if (failed_) {
                        if (!literalPlus_) return failNow(errorMessage_, errorCode_, errorNo_);
                        state_ = literalSize_ ? State::DiscardLiteral : State::Discard;
                        break;
                    }
                    if (tokens_ < 2) {
                        if (!literalPlus_) return failNow("Missing command name");
                        fail("Missing command name");
                        state_ = literalSize_ ? State::DiscardLiteral : State::Discard;
                        break;
                    }
                    if (literalSize_ > literalLimit()) {
                        bool append = request_.name == "APPEND";
                        const char* msg =
                            append ? "Message is larger than APPENDLIMIT" : "Literal is too large";
                        if (!literalPlus_) return failNow(msg, append ? "TOOBIG" : "", append);
                        fail(msg, append ? "TOOBIG" : "", append);
                        state_ = State::DiscardLiteral;
                        break;
                    }
                    current_.clear();
                    if (literalSize_ > 0 && sinkFactory_)
                        sink_ = sinkFactory_(request_, literalSize_);
                    // Memory for the literal is taken as its bytes arrive, not on the
                    // client's word: announcing 64 MB and sending nothing costs nothing.
                    if (!sink_) current_.reserve(std::min<std::uint64_t>(literalSize_, 64 * 1024));
                    if (literalSize_ == 0) {
                        state_ = State::Between;
                        pushToken(Token::Type::Literal, {});
                        if (!literalPlus_) {
                            Result r;
                            r.kind = Result::Kind::Continue;
                            return r;
                        }
                        break;
                    }
                    state_ = State::Literal;
                    if (!literalPlus_) {
                        Result r;
                        r.kind = Result::Kind::Continue;
                        return r;
                    }
                } else {
                    fail("A literal's size must be followed by CRLF");
                    if (c == '\n') {
                        if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore) return r;
                    }
                }
                break;

            case State::LineEnd:
                if (c == '\n') {
                    if (auto r = finishCommand(); r.kind != Result::Kind::NeedMore) return r;
                    break;
                }
                fail("CR without LF");
                break;

            case State::Literal:
            case State::DiscardLiteral:
            case State::Discard:
            case State::LineMode:
            case State::Closed:
                break;  // handled above
        }
    }
    return Result{};
}

}  // namespace maildex::core
