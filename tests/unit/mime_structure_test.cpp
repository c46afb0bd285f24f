// core/mime/structure: the part tree, offsets and MIME fields of well-formed and broken
// messages. Expected sizes and shapes of broken messages were checked against Dovecot 2.3.19
// (the corpus test compares whole messages; these name the individual rules).

#include "core/mime/structure.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/support/mime_text.h"

namespace maildex::core::mime {
namespace {

using namespace std::string_literals;
using test::crlf;
using Kind = Part::Kind;

TEST(MimeStructure, PlainMessageDefaultsToTextPlainUsAscii) {
    std::string msg = crlf("From: a@b.c\nSubject: hi\n\nhello\nworld\n");
    Part p = parseStructure(msg);
    EXPECT_EQ(p.kind, Kind::Single);
    EXPECT_FALSE(p.hasContentType);
    EXPECT_EQ(p.type, "text");
    EXPECT_EQ(p.subtype, "plain");
    EXPECT_EQ(p.charset(), "us-ascii");  // RFC 2045 section 5.2
    EXPECT_EQ(p.header(msg), "From: a@b.c\r\nSubject: hi\r\n\r\n");
    EXPECT_EQ(p.body(msg), "hello\r\nworld\r\n");
    EXPECT_EQ(p.bodySize, 14u);
    EXPECT_EQ(p.bodyLines, 2u);
}

// RFC 2046 section 5.1.1's example: preamble and epilogue belong to no part, the first part
// has no header at all, and the CRLF before each delimiter belongs to the delimiter.
TEST(MimeStructure, Rfc2046Example) {
    std::string msg = crlf(
        "From: Nathaniel Borenstein <nsb@bellcore.com>\n"
        "To: Ned Freed <ned@innosoft.com>\n"
        "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\n"
        "Subject: Sample message\n"
        "MIME-Version: 1.0\n"
        "Content-type: multipart/mixed; boundary=\"simple boundary\"\n"
        "\n"
        "This is the preamble.  It is to be ignored, though it\n"
        "is a handy place for composition agents to include an\n"
        "explanatory note to non-MIME conformant readers.\n"
        "\n"
        "--simple boundary\n"
        "\n"
        "This is implicitly typed plain US-ASCII text.\n"
        "It does NOT end with a linebreak.\n"
        "--simple boundary\n"
        "Content-type: text/plain; charset=us-ascii\n"
        "\n"
        "This is explicitly typed plain US-ASCII text.\n"
        "It DOES end with a linebreak.\n"
        "\n"
        "--simple boundary--\n"
        "\n"
        "This is the epilogue.  It is also to be ignored.\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.kind, Kind::Multipart);
    EXPECT_EQ(p.subtype, "mixed");
    ASSERT_EQ(p.children.size(), 2u);
    const Part& first = p.children[0];
    EXPECT_FALSE(first.hasContentType);
    EXPECT_EQ(first.header(msg), "\r\n");
    EXPECT_EQ(first.body(msg),
              "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a "
              "linebreak.");
    EXPECT_EQ(first.bodyLines, 1u);
    const Part& second = p.children[1];
    EXPECT_EQ(second.charset(), "us-ascii");
    EXPECT_EQ(second.body(msg),
              "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a "
              "linebreak.\r\n");
    EXPECT_EQ(second.bodyLines, 2u);
    // The multipart's body runs from the preamble to the end of the epilogue.
    EXPECT_EQ(p.bodyOffset + p.bodySize, msg.size());
}

TEST(MimeStructure, NestedMultipartsAndMessageRfc822) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=outer\n\n"
        "--outer\n"
        "Content-Type: multipart/alternative; boundary=inner\n\n"
        "--inner\nContent-Type: text/plain\n\nplain\n"
        "--inner\nContent-Type: text/html\n\n<p>html</p>\n"
        "--inner--\n"
        "--outer\n"
        "Content-Type: message/rfc822\n\n"
        "Subject: inside\nContent-Type: multipart/mixed; boundary=deep\n\n"
        "--deep\n\none\n--deep\n\ntwo\n--deep--\n"
        "--outer--\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    const Part& alt = p.children[0];
    ASSERT_EQ(alt.kind, Kind::Multipart);
    ASSERT_EQ(alt.children.size(), 2u);
    EXPECT_EQ(alt.children[0].body(msg), "plain");
    EXPECT_EQ(alt.children[1].subtype, "html");
    const Part& rfc822 = p.children[1];
    ASSERT_EQ(rfc822.kind, Kind::Message);
    ASSERT_EQ(rfc822.children.size(), 1u);
    const Part& inner = rfc822.children[0];
    EXPECT_TRUE(inner.header(msg).starts_with("Subject: inside\r\n"));
    ASSERT_EQ(inner.kind, Kind::Multipart);
    ASSERT_EQ(inner.children.size(), 2u);
    EXPECT_EQ(inner.children[1].body(msg), "two");
    // The message/rfc822 body is the embedded message, up to the outer delimiter's CRLF
    // (the inner close delimiter line keeps its own CRLF).
    EXPECT_TRUE(rfc822.body(msg).starts_with("Subject: inside"));
    EXPECT_TRUE(rfc822.body(msg).ends_with("--deep--\r\n"));
    EXPECT_EQ(rfc822.bodyLines, 10u);
}

TEST(MimeStructure, DigestPartsDefaultToMessageRfc822) {
    std::string msg = crlf(
        "Content-Type: multipart/digest; boundary=d\n\n"
        "--d\n\nSubject: one\n\nfirst\n"
        "--d\nContent-Type: text/plain\n\nnot a message\n"
        "--d--\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    EXPECT_EQ(p.children[0].kind, Kind::Message);  // RFC 2046 section 5.1.5
    EXPECT_EQ(p.children[0].type, "message");
    EXPECT_EQ(p.children[0].subtype, "rfc822");
    ASSERT_EQ(p.children[0].children.size(), 1u);
    EXPECT_EQ(p.children[0].children[0].body(msg), "first");
    EXPECT_EQ(p.children[1].kind, Kind::Single);
}

TEST(MimeStructure, DelimiterLinesMayHavePaddingAndOnlyNeedToStartWithTheBoundary) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=pad\n\n"
        "--pad \t \n\none\n"
        "--pad-and-more\n\ntwo\n"
        "--pad--  \nepilogue\n--pad\nstill epilogue\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    EXPECT_EQ(p.children[0].body(msg), "one");
    EXPECT_EQ(p.children[1].body(msg), "two");
}

TEST(MimeStructure, LongestMatchingBoundaryWins) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=a\n\n"
        "--a\nContent-Type: multipart/alternative; boundary=ab\n\n"
        "--ab\n\ninner\n--ab--\n"
        "--a\n\nouter second\n--a--\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    ASSERT_EQ(p.children[0].children.size(), 1u);
    EXPECT_EQ(p.children[0].children[0].body(msg), "inner");
    EXPECT_EQ(p.children[1].body(msg), "outer second");
}

// Dovecot 2.3.19 reads a final "--" as a close mark first, and as part of the boundary only
// when nothing else matches (found by differential fuzzing).
TEST(MimeStructure, TrailingDashesCloseBeforeTheyMatchLongerBoundaries) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=\"=_1--\"\n\n"
        "--=_1-- \nContent-Type: multipart/alternative; boundary=\"=_1\"\n\n"
        "--=_1--\ninner epilogue\n"
        "--=_1-- \nContent-Type: multipart/alternative; boundary=\"ab--\"\n\n"
        "--ab--\n\nopens a part of ab--\n--ab----\n"
        "--=_1----\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    EXPECT_TRUE(p.children[0].children.empty());  // closed by "--=_1--" at once
    ASSERT_EQ(p.children[1].children.size(), 1u);
    EXPECT_EQ(p.children[1].children[0].body(msg), "opens a part of ab--");
}

TEST(MimeStructure, ABoundaryEqualToTheWholeLineWithItsDashesWins) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=\"ab--\"\n\n"
        "--ab--\nContent-Type: multipart/mixed; boundary=\"a\"\n\n"
        "--a\n\ninner\n"
        "--ab--\n\nouter second\n--ab----\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    ASSERT_EQ(p.children[0].children.size(), 1u);
    EXPECT_EQ(p.children[0].children[0].body(msg), "inner");
    EXPECT_EQ(p.children[1].body(msg), "outer second");
}

TEST(MimeStructure, SameBoundaryNestedBelongsToTheInnerMultipart) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=a\n\n"
        "--a\nContent-Type: multipart/mixed; boundary=a\n\n"
        "--a\n\nbody\n--a--\n"
        "--a\n\nsecond\n--a--\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    ASSERT_EQ(p.children[0].children.size(), 1u);
    EXPECT_EQ(p.children[1].body(msg), "second");
}

TEST(MimeStructure, MissingCloseDelimiterEndsWithTheEnclosingPart) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=outer\n\n"
        "--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
        "--inner\n\na\n--inner\n\nb\n"
        "--outer\n\nc\n--outer--\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    ASSERT_EQ(p.children[0].children.size(), 2u);
    EXPECT_EQ(p.children[0].children[1].body(msg), "b");
    EXPECT_EQ(p.children[1].body(msg), "c");

    std::string unclosed =
        crlf("Content-Type: multipart/mixed; boundary=x\n\n--x\n\nruns to the end\n");
    Part u = parseStructure(unclosed);
    ASSERT_EQ(u.children.size(), 1u);
    EXPECT_EQ(u.children[0].body(unclosed), "runs to the end\r\n");
}

// Dovecot's choice, kept: a multipart whose boundary never appears, or that has no
// boundary parameter, has no parts (BODYSTRUCTURE shows one empty text/plain part).
TEST(MimeStructure, MultipartWithoutUsableBoundaryHasNoParts) {
    std::string never = crlf("Content-Type: multipart/mixed; boundary=x\n\n--y\n\ntext\n");
    Part a = parseStructure(never);
    EXPECT_EQ(a.kind, Kind::Multipart);
    EXPECT_TRUE(a.children.empty());
    EXPECT_EQ(a.body(never), "--y\r\n\r\ntext\r\n");

    std::string noParam = crlf("Content-Type: multipart/mixed\n\n--x\n\ntext\n--x--\n");
    Part b = parseStructure(noParam);
    EXPECT_EQ(b.kind, Kind::Multipart);
    EXPECT_TRUE(b.children.empty());
}

TEST(MimeStructure, HeaderCutByADelimiterHasNoBody) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=x\n\n"
        "--x\nContent-Type: text/html\n--x\n\nsecond\n--x--\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    const Part& cut = p.children[0];
    EXPECT_EQ(cut.subtype, "html");
    EXPECT_EQ(cut.header(msg), "Content-Type: text/html");  // the CRLF goes to the delimiter
    EXPECT_EQ(cut.bodySize, 0u);
}

TEST(MimeStructure, DelimiterRightAfterTheEmptyLineTakesItsCrlf) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=x\n\n"
        "--x\nContent-Type: text/plain\n\n--x\nContent-Type: message/rfc822\n\n--x--\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    EXPECT_EQ(p.children[0].header(msg), "Content-Type: text/plain\r\n");
    EXPECT_EQ(p.children[0].bodySize, 0u);
    EXPECT_EQ(p.children[1].header(msg), "Content-Type: message/rfc822\r\n");
    ASSERT_EQ(p.children[1].children.size(), 1u);
    EXPECT_EQ(p.children[1].children[0].headerSize, 0u);
}

TEST(MimeStructure, DelimiterWithoutLineEndAtTheEndStartsNoPart) {
    std::string msg = crlf("Content-Type: multipart/mixed; boundary=x\n\n--x\n\none\n") + "--x";
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 1u);
    EXPECT_EQ(p.children[0].body(msg), "one");
}

TEST(MimeStructure, ContentFieldsCountOnlyInMimeEntities) {
    // RFC 2045 section 4: without MIME-Version (or a Content-Type), Content-* mean nothing.
    std::string notMime = crlf("Content-Transfer-Encoding: base64\nContent-ID: <x>\n\nAAAA\n");
    Part a = parseStructure(notMime);
    EXPECT_FALSE(a.transferEncoding);
    EXPECT_FALSE(a.id);
    std::string mime =
        crlf("MIME-Version: 1.0\nContent-Transfer-Encoding: base64\nContent-ID: <x>\n\nAAAA\n");
    Part b = parseStructure(mime);
    EXPECT_EQ(b.transferEncoding, "base64");
    EXPECT_EQ(b.id, "<x>");
}

TEST(MimeStructure, AllMimeFields) {
    std::string msg = crlf(
        "MIME-Version: 1.0\n"
        "Content-Type: TEXT/Plain; Charset=\"ISO-8859-1\"; format=flowed (comment)\n"
        "Content-Transfer-Encoding: Quoted-Printable\n"
        "Content-ID: <id@example.com>\n"
        "Content-Description: A  description\n"
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
        "Content-Language: en-US, de (German)\n"
        "Content-Location: http://example.com/\n a.txt\n"
        "Content-Disposition: attachment; filename=\"a b.txt\"; size=3\n"
        "\n"
        "caf=E9\n");
    Part p = parseStructure(msg);
    EXPECT_EQ(p.type, "TEXT");  // case kept, as written
    EXPECT_EQ(p.subtype, "Plain");
    ASSERT_EQ(p.parameters.size(), 2u);
    EXPECT_EQ(p.parameters[0].name, "Charset");
    EXPECT_EQ(p.parameters[0].value, "ISO-8859-1");
    EXPECT_EQ(p.charset(), "ISO-8859-1");
    EXPECT_EQ(p.transferEncoding, "Quoted-Printable");
    EXPECT_EQ(p.id, "<id@example.com>");
    EXPECT_EQ(p.description, "A  description");
    EXPECT_EQ(p.md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
    EXPECT_EQ(p.languages, (std::vector<std::string>{"en-US", "de"}));
    EXPECT_EQ(p.location, "http://example.com/ a.txt");
    EXPECT_EQ(p.disposition, "attachment");
    ASSERT_EQ(p.dispositionParameters.size(), 2u);
    EXPECT_EQ(p.dispositionParameters[0].value, "a b.txt");
    EXPECT_TRUE(p.isText());
}

TEST(MimeStructure, Rfc2231ContinuationsAndCharsets) {
    std::string msg = crlf(
        "Content-Type: application/octet-stream;\n"
        " name*0*=utf-8''%E2%82%AC%20rates;\n"
        " name*1=\".txt\"\n"
        "Content-Disposition: attachment; filename*=iso-8859-1'de'gr%FC%DFe.txt;\n"
        " title*1=\"b\"; title*0=\"a\"\n"
        "\nx\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.parameters.size(), 1u);
    // BODYSTRUCTURE shows the merged value, still encoded (as Dovecot does)...
    EXPECT_EQ(p.parameters[0].name, "name*");
    EXPECT_EQ(p.parameters[0].value, "utf-8''%E2%82%AC%20rates.txt");
    // ...and the decoded text is there for everyone else.
    EXPECT_EQ(p.parameters[0].attribute, "name");
    EXPECT_EQ(p.parameters[0].decoded, "\xE2\x82\xAC rates.txt");
    const Parameter* filename = findParameter(p.dispositionParameters, "FILENAME");
    ASSERT_NE(filename, nullptr);
    EXPECT_EQ(filename->decoded,
              "gr\xC3\xBC\xC3\x9F"
              "e.txt");
    const Parameter* title = findParameter(p.dispositionParameters, "title");
    ASSERT_NE(title, nullptr);
    EXPECT_EQ(title->name, "title");  // continuations out of order, merged in order
    EXPECT_EQ(title->value, "ab");
}

TEST(MimeStructure, Rfc2231GapsLeaveThePiecesAlone) {
    std::string msg =
        crlf("Content-Type: text/plain; t*0=\"a\"; t*2=\"c\"; name=\"x\"; name*=utf-8''y\n\nx\n");
    Part p = parseStructure(msg);
    ASSERT_EQ(p.parameters.size(), 4u);
    EXPECT_EQ(p.parameters[0].name, "name");  // plain ones first, in order
    EXPECT_EQ(p.parameters[1].name, "name*");
    EXPECT_EQ(p.parameters[2].name, "t*0");
    EXPECT_EQ(p.parameters[3].name, "t*2");
    // RFC 2231 section 4: the extended value is preferred.
    EXPECT_EQ(findParameter(p.parameters, "name")->decoded, "y");
}

TEST(MimeStructure, BrokenContentTypes) {
    struct Case {
        const char* value;
        const char* type;
        const char* subtype;
    };
    // Values as Dovecot 2.3.19 reports them.
    for (const Case& c : std::initializer_list<Case>{{"text", "text", ""},
                                                     {"garbage", "garbage", ""},
                                                     {"text/", "", ""},
                                                     {"text/plain junk", "", ""},
                                                     {"; charset=utf-8", "", ""},
                                                     {"", "", ""},
                                                     {"text /plain", "text", "plain"},
                                                     {"multipart", "application", "octet-stream"},
                                                     {"message", "message", ""},
                                                     {"(c)text/(c)html(c)", "text", "html"}}) {
        std::string msg = crlf(std::string("Content-Type: ") + c.value + "\n\nx\n");
        Part p = parseStructure(msg);
        EXPECT_EQ(p.type, c.type) << c.value;
        EXPECT_EQ(p.subtype, c.subtype) << c.value;
        EXPECT_EQ(p.kind, Kind::Single) << c.value;
    }
}

TEST(MimeStructure, FirstContentTypeCounts) {
    std::string msg =
        crlf("Content-Type: text/html\nContent-Type: multipart/mixed; boundary=x\n\n");
    Part p = parseStructure(msg);
    EXPECT_EQ(p.subtype, "html");
    EXPECT_EQ(p.kind, Kind::Single);
}

TEST(MimeStructure, NoHeaderBodySeparator) {
    std::string msg = crlf("Subject: only a header\nFrom: a@b\n");
    Part p = parseStructure(msg);
    EXPECT_EQ(p.headerSize, msg.size());
    EXPECT_EQ(p.bodySize, 0u);
    Part empty = parseStructure("");
    EXPECT_EQ(empty.headerSize, 0u);
    EXPECT_EQ(empty.bodySize, 0u);
}

TEST(MimeStructure, BareLineFeedsAreTolerated) {
    std::string msg =
        "Content-Type: multipart/mixed; boundary=x\n\n--x\n\nlf only\n--x\r\n\r\ncrlf\r\n--x--\n";
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 2u);
    EXPECT_EQ(p.children[0].body(msg), "lf only");
    EXPECT_EQ(p.children[1].body(msg), "crlf");
}

TEST(MimeStructure, JunkBytesAndNulsDoNotDisturbTheStructure) {
    std::string msg = crlf("Content-Type: multipart/mixed; boundary=x\nX-Junk: \x80\xff\x01\n\n");
    msg += "--x\r\nContent-Type: text/plain; name=\"a\0b\"\r\n\r\n\0\xfe\r\n--x--\r\n"s;
    Part p = parseStructure(msg);
    ASSERT_EQ(p.children.size(), 1u);
    EXPECT_EQ(p.children[0].parameters[0].value,
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(p.children[0].body(msg), std::string("\0\xfe", 2));
}

TEST(MimeStructure, NestingIsCappedAndDeeperPartsAreOpaque) {
    std::string msg;
    const int depth = 150;
    for (int i = 0; i < depth; ++i)
        msg += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) +
               "x\"\r\n\r\n--b" + std::to_string(i) + "x\r\n";
    msg += "\r\ninnermost\r\n";
    Part p = parseStructure(msg);
    int levels = 0;
    const Part* cur = &p;
    while (cur->kind == Kind::Multipart && !cur->children.empty()) {
        cur = &cur->children.front();
        ++levels;
    }
    EXPECT_EQ(levels, kMaxNesting - 1);
    EXPECT_EQ(cur->type, "application");  // Dovecot's name for what it did not open
    EXPECT_EQ(cur->subtype, "octet-stream");

    std::string messages;
    for (int i = 0; i < depth; ++i)
        messages += "Content-Type: message/rfc822\r\n\r\n";
    Part m = parseStructure(messages);
    levels = 0;
    for (cur = &m; !cur->children.empty(); cur = &cur->children.front())
        ++levels;
    EXPECT_EQ(levels, kMaxNesting - 1);
}

TEST(MimeStructure, PartCountIsCapped) {
    std::string msg = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";
    for (int i = 0; i < 20000; ++i)
        msg += "--x\r\n\r\np\r\n";
    Part p = parseStructure(msg);
    EXPECT_EQ(p.children.size(), kMaxParts - 1);
    // After the cap, delimiters are text of the last part.
    EXPECT_GT(p.children.back().bodySize, 100000u);
}

// Time grows linearly with size: an 8 MB message takes about 8 times as long as a 1 MB one.
// A quadratic scan would take 64 times as long.
TEST(MimeStructure, LargeMessagesParseInLinearTime) {
    auto build = [](std::size_t bytes) {
        std::string msg =
            "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n"
            "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n";
        std::string line = "--not-a-boundary but looks like one, with text after it\r\n";
        while (msg.size() < bytes) {
            msg += "--inner\r\nContent-Type: text/plain\r\n\r\n";
            for (int i = 0; i < 200; ++i)
                msg += line;
        }
        msg += "--inner--\r\n--outer--\r\n";
        return msg;
    };
    auto timeParse = [](const std::string& msg) {
        double best = 1e9;
        for (int round = 0; round < 3; ++round) {
            auto start = std::chrono::steady_clock::now();
            Part p = parseStructure(msg);
            std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
            EXPECT_EQ(p.children.size(), 1u);
            best = std::min(best, took.count());
        }
        return best;
    };
    std::string oneMb = build(1 << 20), eightMb = build(8 << 20);
    double small = timeParse(oneMb), large = timeParse(eightMb);
    EXPECT_LT(large, small * 24 + 0.05) << small << " s for 1 MB, " << large << " s for 8 MB";
    Part p = parseStructure(oneMb);
    EXPECT_GT(p.children[0].children.size(), 50u);
}

}  // namespace
}  // namespace maildex::core::mime
