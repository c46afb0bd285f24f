// core/imap/receiver: the incremental command grammar.

#include "core/imap/receiver.h"

#include <gtest/gtest.h>

#include <vector>

namespace maildex::core {
namespace {

using Kind = Receiver::Result::Kind;

// Everything the receiver produces for `input`, fed in pieces of `chunk` bytes
// (0 = all at once). Continuations are recorded as events too.
struct Event {
    Kind kind;
    std::string text;
    bool operator==(const Event&) const = default;
};

std::string describe(const Receiver::Result& r) {
    switch (r.kind) {
        case Kind::Request: {
            std::string s = r.request.tag + "|" + r.request.name;
            for (const auto& t : r.request.args) {
                s += t.spaceBefore ? " " : "";
                switch (t.type) {
                    case Token::Type::Atom:
                        s += "a:" + t.value;
                        break;
                    case Token::Type::Quoted:
                        s += "q:" + t.value;
                        break;
                    case Token::Type::Literal:
                        s += (t.literal8 ? "l8:" : "l:") + t.value;
                        break;
                    case Token::Type::ListBegin:
                        s += "(";
                        break;
                    case Token::Type::ListEnd:
                        s += ")";
                        break;
                    case Token::Type::SectionBegin:
                        s += "[";
                        break;
                    case Token::Type::SectionEnd:
                        s += "]";
                        break;
                }
            }
            return s;
        }
        case Kind::Error:
            return r.tag + "|" + (r.no ? "NO" : "BAD") + "|" + r.code + (r.close ? "|close" : "");
        case Kind::Line:
            return r.line;
        default:
            return {};
    }
}

std::vector<Event> feed(const std::string& input, size_t chunk, ReceiverLimits limits = {},
                        bool lineModeAfterFirst = false) {
    Receiver rx(limits);
    std::vector<Event> events;
    size_t pos = 0;
    while (pos < input.size()) {
        size_t n = chunk == 0 ? input.size() - pos : std::min(chunk, input.size() - pos);
        std::string_view piece(input.data() + pos, n);
        pos += n;
        while (true) {
            auto r = rx.parse(piece);
            if (r.kind == Kind::NeedMore) break;
            events.push_back({r.kind, describe(r)});
            if (lineModeAfterFirst && r.kind == Kind::Request && events.size() == 1)
                rx.expectLine();
        }
    }
    return events;
}

void expectSplitInvariant(const std::string& input, ReceiverLimits limits = {}) {
    auto whole = feed(input, 0, limits);
    for (size_t chunk = 1; chunk <= input.size(); ++chunk)
        ASSERT_EQ(feed(input, chunk, limits), whole) << "chunk size " << chunk;
    // Every single split point into two pieces.
    for (size_t split = 1; split < input.size(); ++split) {
        Receiver rx(limits);
        std::vector<Event> events;
        for (std::string_view piece :
             {std::string_view(input).substr(0, split), std::string_view(input).substr(split)}) {
            while (true) {
                auto r = rx.parse(piece);
                if (r.kind == Kind::NeedMore) break;
                events.push_back({r.kind, describe(r)});
            }
        }
        ASSERT_EQ(events, whole) << "split at " << split;
    }
}

TEST(Receiver, SimpleCommands) {
    auto ev = feed("a1 NOOP\r\nA2 select INBOX\r\n", 0);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a1|NOOP");
    EXPECT_EQ(ev[1].text, "A2|SELECT a:INBOX");
}

TEST(Receiver, QuotedStringsAndEscapes) {
    auto ev = feed("a SELECT \"In \\\"box\\\\\"\r\n", 0);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|SELECT q:In \"box\\");
}

TEST(Receiver, QuotedNilIsAString) {
    auto ev = feed("a X \"NIL\" NIL\r\n", 0);
    EXPECT_EQ(ev[0].text, "a|X q:NIL a:NIL");
}

TEST(Receiver, SynchronizingLiteralAsksForContinuation) {
    auto ev = feed("a LOGIN {4}\r\nuser pass\r\n", 0);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].kind, Kind::Continue);
    EXPECT_EQ(ev[1].text, "a|LOGIN l:user a:pass");
}

TEST(Receiver, NonSynchronizingLiteralDoesNot) {
    auto ev = feed("a LOGIN {4+}\r\nuser {4+}\r\npass\r\n", 0);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|LOGIN l:user l:pass");
}

TEST(Receiver, LiteralMayHoldAnyBytes) {
    const std::string data("\r\n\0)\"{}", 7);
    auto ev = feed("a APPEND x {7+}\r\n" + data + "\r\n", 0);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|APPEND a:x l:" + data);
}

TEST(Receiver, Literal8) {
    auto ev = feed("a APPEND x ~{3+}\r\nabc\r\n", 0);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|APPEND a:x l8:abc");
}

TEST(Receiver, ListsSectionsAndAdjacency) {
    auto ev = feed("a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From)]<0.10> FLAGS)\r\n", 0);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|FETCH a:1 (a:BODY.PEEK[a:HEADER.FIELDS (a:From)]a:<0.10> a:FLAGS)");
}

TEST(Receiver, EmptyLinesAreIgnored) {
    auto ev = feed("\r\n\r\na NOOP\r\n", 0);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|NOOP");
}

TEST(Receiver, BareLfEndsALine) {
    auto ev = feed("a NOOP\nb NOOP\n", 0);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[1].text, "b|NOOP");
}

TEST(Receiver, ErrorsCarryTheTagAndRecover) {
    auto ev = feed("a1 SELECT (x\r\na2 NOOP\r\n", 0);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a1|BAD|");
    EXPECT_EQ(ev[1].text, "a2|NOOP");
}

TEST(Receiver, InvalidTagGivesUntaggedError) {
    auto ev = feed("+x NOOP\r\n* NOOP\r\nok NOOP\r\n", 0);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].text, "|BAD|");
    EXPECT_EQ(ev[1].text, "|BAD|");
    EXPECT_EQ(ev[2].text, "ok|NOOP");
}

TEST(Receiver, NulByteIsRefused) {
    auto ev = feed(std::string("a NO\0OP\r\nb NOOP\r\n", 17), 0);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a|BAD|");
    EXPECT_EQ(ev[1].text, "b|NOOP");
}

TEST(Receiver, ALineTooLongEndsTheConnectionAtOnce) {
    // Reported as soon as the limit is passed, not when (if ever) the line ends, and the
    // connection is to be closed: nothing after it is read.
    ReceiverLimits limits;
    limits.maxLineLength = 100;
    std::string input = "a X " + std::string(100000, 'x') + "\r\nb NOOP\r\n";
    auto ev = feed(input, 4096, limits);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|BAD||close");

    Receiver rx(limits);
    std::string head = "a X " + std::string(97, 'x');  // 101 bytes, no CRLF
    std::string_view in = head;
    auto r = rx.parse(in);
    EXPECT_EQ(r.kind, Kind::Error);
    EXPECT_TRUE(r.close);
    EXPECT_EQ(r.tag, "a");
    EXPECT_EQ(r.message, "Command line too long");
    std::string more = "\r\nb NOOP\r\n" + std::string(1 << 20, 'y');
    in = more;
    EXPECT_EQ(rx.parse(in).kind, Kind::NeedMore);
    EXPECT_TRUE(in.empty());
}

TEST(Receiver, ALineJustWithinTheLimitIsServed) {
    ReceiverLimits limits;
    limits.maxLineLength = 100;
    std::string line = "a X " + std::string(94, 'x') + "\r\n";  // 100 bytes with CRLF
    auto ev = feed(line + "b NOOP\r\n", 7, limits);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].kind, Kind::Request);
    EXPECT_EQ(ev[1].text, "b|NOOP");
}

TEST(Receiver, ASkippedCommandStreamingWithoutEndIsCutOffToo) {
    // After an error the rest of the command is skipped, but not forever.
    ReceiverLimits limits;
    limits.maxLineLength = 100;
    auto ev = feed(std::string("a NO\0OP ", 8) + std::string(5000, 'z'), 64, limits);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].text, "a|BAD||close");
    // A skipped literal's octets are not line bytes; the text around them is.
    ev = feed("a X ) {300+}\r\n" + std::string(300, 'q') + " rest\r\nb NOOP\r\n", 0, limits);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a|BAD|");
    EXPECT_EQ(ev[1].text, "b|NOOP");
}

TEST(Receiver, ALineTooLongInLineModeEndsTheConnection) {
    ReceiverLimits limits;
    limits.maxLineLength = 100;
    auto ev = feed("a IDLE\r\n" + std::string(1000, 'D'), 16, limits, true);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a|IDLE");
    EXPECT_EQ(ev[1].text, "|BAD||close");
}

TEST(Receiver, OversizedSynchronizingLiteralIsRefusedBeforeItComes) {
    ReceiverLimits limits;
    limits.maxLiteral = 10;
    limits.maxAppendLiteral = 20;
    // The client waits for "+", gets the error, and sends the next command.
    auto ev = feed("a LOGIN {11}\r\nb APPEND x {21}\r\nc APPEND x {20}\r\n", 0, limits);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].text, "a|BAD|");
    EXPECT_EQ(ev[1].text, "b|NO|TOOBIG");
    EXPECT_EQ(ev[2].kind, Kind::Continue);
}

TEST(Receiver, OversizedNonSynchronizingLiteralIsSkipped) {
    ReceiverLimits limits;
    limits.maxLiteral = 4;
    auto ev = feed("a LOGIN {6+}\r\nb NOOP x\r\nc NOOP\r\n", 0, limits);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a|BAD|");
    EXPECT_EQ(ev[1].text, "c|NOOP");
}

TEST(Receiver, LiteralInsideABrokenCommandIsStillSkipped) {
    auto ev = feed("a X ) {3+}\r\nb N\r\nc NOOP\r\n", 0);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a|BAD|");
    EXPECT_EQ(ev[1].text, "c|NOOP");
}

TEST(Receiver, NestingDepthIsLimited) {
    ReceiverLimits limits;
    limits.maxDepth = 3;
    auto ev = feed("a X ((((x))))\r\nb X (((x)))\r\n", 0, limits);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a|BAD|");
    EXPECT_EQ(ev[1].kind, Kind::Request);
}

TEST(Receiver, ArgumentCountIsLimited) {
    ReceiverLimits limits;
    limits.maxTokens = 10;
    std::string many = "a X";
    for (int i = 0; i < 20; ++i)
        many += " y";
    auto ev = feed(many + "\r\nb NOOP\r\n", 0, limits);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].text, "a|BAD|");
}

TEST(Receiver, LineModeReadsOneLine) {
    auto ev = feed("a IDLE\r\nDONE\r\nb NOOP\r\n", 0, {}, true);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[1].kind, Kind::Line);
    EXPECT_EQ(ev[1].text, "DONE");
    EXPECT_EQ(ev[2].text, "b|NOOP");
}

TEST(Receiver, SameResultForEverySplitOfTheInput) {
    expectSplitInvariant(
        "a1 LOGIN {4}\r\nuser \"pa\\\"ss\"\r\n"
        "a2 FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (FROM)]<0.5>)\r\n"
        "a3 APPEND INBOX (\\Seen) {5+}\r\nhello\r\n"
        "bad ( x\r\n"
        "a4 NOOP\r\n");
}

TEST(Receiver, SameErrorsForEverySplit) {
    ReceiverLimits limits;
    limits.maxLineLength = 30;
    limits.maxLiteral = 8;
    expectSplitInvariant("a2 X {20+}\r\n" + std::string(20, 'q') +
                             "\r\na3 X \"unterminated\r\na4 NOOP\r\na1 X " + std::string(40, 'z') +
                             "\r\na5 NOOP\r\n",
                         limits);
}

}  // namespace
}  // namespace maildex::core
