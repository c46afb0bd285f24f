#pragma once
// The incremental command receiver (RFC 3501 section 2.2 and the grammar of section 9).
// Bytes go in as they arrive, in pieces of any size; out come complete commands, or the
// news that a synchronizing literal wants its "+" continuation, or a syntax error with
// the tag to answer it under. It holds all its state between calls, so it never looks
// at a byte twice and gives the same results for any split of the same input.
//
// Limits are checked before memory is committed: a literal is refused on its announced
// size, nesting and argument counts as they occur. After such an error the rest of the
// command is skipped (without storing it) up to its end, so the next command parses
// cleanly. A line that grows past the line limit (MAILDEX_MAX_LINE), in a command, in a
// command being skipped, or in line mode, ends the connection instead: its end may never
// come (a client streaming bytes without CRLF would otherwise hold the connection
// forever), so the error is reported at once with `close` set and nothing more is read.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/imap/request.h"

namespace maildex::core {

struct ReceiverLimits {
    std::size_t maxLineLength = 64 * 1024;            // command text outside literals
    std::size_t maxLiteral = 1024 * 1024;             // any literal but APPEND's
    std::size_t maxAppendLiteral = 64 * 1024 * 1024;  // APPENDLIMIT
    std::size_t maxDepth = 32;                        // nested lists
    std::size_t maxTokens = 100000;
};

class Receiver {
  public:
    // The limits are the configuration's, shared by every connection's receiver rather
    // than copied into each: they must outlive the receiver.
    explicit Receiver(const ReceiverLimits& limits = kDefaults) : limits_(&limits) {}
    explicit Receiver(ReceiverLimits&&) = delete;

    struct Result {
        enum class Kind {
            NeedMore,  // all input used; call again with more
            Continue,  // send a "+" continuation: a synchronizing literal is expected
            Request,   // a complete command in `request`
            Line,      // a line in `line` (after expectLine())
            Error,     // answer `tag` (or "*") with `code`/`message`
        };
        Kind kind = Kind::NeedMore;
        Request request;
        std::string line;
        std::string tag;
        std::string code;  // response code for Error ("TOOBIG"), may be empty
        std::string message;
        bool no = false;     // answer NO rather than BAD (a valid command we will not take)
        bool close = false;  // an Error after which the connection is to be closed
    };

    // Consumes bytes from the front of `input` and returns at the first event.
    Result parse(std::string_view& input);

    // The next thing to read is one line, not a command (IDLE's DONE, AUTHENTICATE).
    void expectLine();

    // Asked, for each literal about to be read, whether its bytes go to a sink rather than
    // into the token (given the command so far and the literal's size); null: into the
    // token. The token then has an empty value and the sink.
    using SinkFactory =
        std::function<std::shared_ptr<LiteralSink>(const Request& soFar, std::uint64_t size)>;
    void setSinkFactory(SinkFactory factory) { sinkFactory_ = std::move(factory); }
    // Whether part of a command has been read.
    bool inCommand() const { return state_ != State::Start || !current_.empty(); }

    const ReceiverLimits& limits() const { return *limits_; }

  private:
    enum class State {
        Start,    // at the beginning of a command
        Between,  // after a token, expecting SP, ( ) [ ] or CRLF
        Atom,
        Quoted,
        QuotedEscape,
        LiteralOpen,   // after '{', reading the size
        LiteralClose,  // after '}', expecting CRLF
        Literal,
        LineEnd,         // after CR
        Discard,         // skipping an erroneous command to its end
        DiscardLiteral,  // skipping the octets of a literal in an erroneous command
        LineMode,
        Closed,  // after a line too long: everything is ignored
    };

    Result finishCommand();
    // The message and code are fixed sentences (string literals): the receiver keeps
    // pointers to them, not copies.
    Result failNow(const char* message, const char* code = "", bool no = false);
    // An error the connection does not survive (a line past the limit).
    Result closeNow(const char* message);
    void fail(const char* message, const char* code = "", bool no = false);
    bool pushToken(Token::Type type, std::string value = {},
                   std::shared_ptr<LiteralSink> sink = {});
    void resetCommand();
    std::size_t literalLimit() const;

    static constexpr ReceiverLimits kDefaults{};
    const ReceiverLimits* limits_;
    State state_ = State::Start;
    Request request_;
    std::string current_;  // the token being read
    SinkFactory sinkFactory_;
    std::shared_ptr<LiteralSink> sink_;  // where the literal being read goes, if not current_
    bool spaceBefore_ = false;
    bool literal8_ = false;
    bool literalPlus_ = false;
    std::uint64_t literalSize_ = 0;
    bool literalSizeDigits_ = false;
    std::size_t lineBytes_ = 0;
    std::size_t depth_ = 0;
    std::size_t tokens_ = 0;  // tokens read in this command, tag and name included
    bool sawCr_ = false;
    // An error waiting for the end of its command.
    bool failed_ = false;
    const char* errorMessage_ = "";
    const char* errorCode_ = "";
    bool errorNo_ = false;
};

}  // namespace maildex::core
