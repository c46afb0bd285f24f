// core/imap/response_writer: values can never break a response.

#include "core/imap/response_writer.h"

#include <gtest/gtest.h>

namespace maildex::core {
namespace {

std::string render(const std::function<void(ResponseWriter&)>& f, bool utf8 = false) {
    std::string out;
    ResponseWriter w(out);
    w.setUtf8(utf8);
    f(w);
    return out;
}

TEST(ResponseWriter, SpacesItemsAndLists) {
    auto s = render([](ResponseWriter& w) {
        w.untagged()
            .number(3)
            .atom("FETCH")
            .open()
            .atom("UID")
            .number(7)
            .atom("FLAGS")
            .open()
            .close()
            .close()
            .end();
    });
    EXPECT_EQ(s, "* 3 FETCH (UID 7 FLAGS ())\r\n");
}

TEST(ResponseWriter, ResponseCodes) {
    auto s = render([](ResponseWriter& w) {
        w.tagged("a1").ok().code("COPYUID").number(9).atom("1:2").atom("5:6").text("Done").end();
    });
    EXPECT_EQ(s, "a1 OK [COPYUID 9 1:2 5:6] Done\r\n");
    s = render(
        [](ResponseWriter& w) { w.tagged("a").ok().code("READ-WRITE").codeEnd().text("x").end(); });
    EXPECT_EQ(s, "a OK [READ-WRITE] x\r\n");
}

TEST(ResponseWriter, StringsAreQuotedOrLiteral) {
    EXPECT_EQ(render([](ResponseWriter& w) { w.string("plain"); }), "\"plain\"");
    EXPECT_EQ(render([](ResponseWriter& w) { w.string("a\"b\\c"); }), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(render([](ResponseWriter& w) { w.string("line\r\nbreak"); }),
              "{11}\r\nline\r\nbreak");
    EXPECT_EQ(render([](ResponseWriter& w) { w.string("caf\xc3\xa9"); }), "{5}\r\ncaf\xc3\xa9");
    EXPECT_EQ(render([](ResponseWriter& w) { w.string("caf\xc3\xa9"); }, true), "\"caf\xc3\xa9\"");
    EXPECT_EQ(render([](ResponseWriter& w) { w.string(std::string(2000, 'x')); }).substr(0, 8),
              "{2000}\r\n");
}

TEST(ResponseWriter, NoLiteralHoldsNul) {
    // RFC 3501 section 9: literals are CHAR8 (no NUL). A NUL in a header parameter made
    // BODYSTRUCTURE send one (found by tests/fuzz/mime_fuzz.cpp).
    using namespace std::string_literals;
    EXPECT_EQ(render([](ResponseWriter& w) { w.string("a\0b"s); }),
              "{3}\r\na\x80"
              "b");
    EXPECT_EQ(render([](ResponseWriter& w) { w.literal("\0\0"s); }), "{2}\r\n\x80\x80");
}

TEST(ResponseWriter, AstringAvoidsNilAndSpecials) {
    EXPECT_EQ(render([](ResponseWriter& w) { w.astring("INBOX.Sent"); }), "INBOX.Sent");
    EXPECT_EQ(render([](ResponseWriter& w) { w.astring("NIL"); }), "\"NIL\"");
    EXPECT_EQ(render([](ResponseWriter& w) { w.astring("Work & Play"); }), "\"Work & Play\"");
    EXPECT_EQ(render([](ResponseWriter& w) { w.astring(""); }), "\"\"");
    EXPECT_EQ(render([](ResponseWriter& w) { w.astring("a)b"); }), "\"a)b\"");
}

TEST(ResponseWriter, FlagsThatAreNotAtomsAreQuoted) {
    EXPECT_EQ(render([](ResponseWriter& w) { w.flag("$Label1"); }), "$Label1");
    EXPECT_EQ(render([](ResponseWriter& w) { w.flag("\\Seen"); }), "\\Seen");
    EXPECT_EQ(render([](ResponseWriter& w) { w.flag("\\*"); }), "\\*");
    EXPECT_EQ(render([](ResponseWriter& w) { w.flag("bad)flag"); }), "\"bad)flag\"");
    EXPECT_EQ(render([](ResponseWriter& w) { w.flag("evil\r\n* BYE"); }), "{11}\r\nevil\r\n* BYE");
}

TEST(ResponseWriter, TextCannotEndTheLine) {
    auto s =
        render([](ResponseWriter& w) { w.tagged("a").no().text("bad\r\na OK injected").end(); });
    EXPECT_EQ(s, "a NO bad  a OK injected\r\n");
}

TEST(ResponseWriter, AdjacentItemsHaveNoSpace) {
    // "(" 1*address ")" in ENVELOPE, 1*body in BODYSTRUCTURE (RFC 3501 section 9).
    auto s = render([](ResponseWriter& w) {
        w.open()
            .adjacent()
            .open()
            .nil()
            .close()
            .adjacent()
            .open()
            .nil()
            .close()
            .string("x")
            .close();
    });
    EXPECT_EQ(s, "((NIL)(NIL) \"x\")");
}

TEST(ResponseWriter, SectionEndJoinsTheItemName) {
    // msg-att-static: "BODY" section ["<" number ">"] (RFC 3501 section 9).
    auto s =
        render([](ResponseWriter& w) { w.open().atom("BODY[").sectionEnd().literal("").close(); });
    EXPECT_EQ(s, "(BODY[] \"\")");
    s = render([](ResponseWriter& w) {
        w.atom("BODY[1.HEADER.FIELDS")
            .open()
            .astring("X\"Y")
            .astring("DATE")
            .close()
            .sectionEnd(0)
            .literal("ab");
    });
    EXPECT_EQ(s, "BODY[1.HEADER.FIELDS (\"X\\\"Y\" DATE)]<0> {2}\r\nab");
    EXPECT_EQ(render([](ResponseWriter& w) { w.atom("BODY[TEXT").sectionEnd(4096).nil(); }),
              "BODY[TEXT]<4096> NIL");
}

TEST(ResponseWriter, AtomsWritesEachWord) {
    EXPECT_EQ(render([](ResponseWriter& w) { w.atom("CAPABILITY").atoms("IMAP4rev1  IDLE "); }),
              "CAPABILITY IMAP4rev1 IDLE");
}

TEST(ResponseWriter, WhatAtomAccepts) {
    EXPECT_TRUE(ResponseWriter::isAtomOrFlag("FETCH"));
    EXPECT_TRUE(ResponseWriter::isAtomOrFlag("BODY[1.2"));  // "[" is an ATOM-CHAR
    EXPECT_TRUE(ResponseWriter::isAtomOrFlag("\\Seen"));
    EXPECT_TRUE(ResponseWriter::isAtomOrFlag("\\*"));
    EXPECT_TRUE(ResponseWriter::isAtomOrFlag("1:3,5"));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag(""));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag("\\"));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag("BODY[]"));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag("IMAP4rev1 IDLE"));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag("X\"Y"));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag("a\\b"));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag("*"));
    EXPECT_FALSE(ResponseWriter::isAtomOrFlag("{5}"));
}

TEST(ResponseWriterDeathTest, AtomStopsOnANonAtomInTestRuns) {
    ::setenv("MAILDEX_FATAL_CHECKS", "1", 1);
    EXPECT_DEATH(render([](ResponseWriter& w) { w.atom("BODY[HEADER.FIELDS (X\"Y)]"); }),
                 "non-atom: BODY\\[HEADER.FIELDS \\(X\"Y\\)\\]");
    EXPECT_DEATH(render([](ResponseWriter& w) { w.atom("a\r\nb"); }), "non-atom: a\\\\x0d\\\\x0ab");
}

TEST(ResponseWriter, ANonAtomInServiceGoesOutAsAString) {
    const char* fatal = std::getenv("MAILDEX_FATAL_CHECKS");
    std::string saved = fatal ? fatal : "";
    ::unsetenv("MAILDEX_FATAL_CHECKS");
    EXPECT_EQ(render([](ResponseWriter& w) { w.atom("X\"Y").atom("OK"); }), "\"X\\\"Y\" OK");
    EXPECT_EQ(render([](ResponseWriter& w) { w.atom("a\r\nb"); }), "{4}\r\na\r\nb");
    if (fatal) ::setenv("MAILDEX_FATAL_CHECKS", saved.c_str(), 1);
}

TEST(ResponseWriter, Nstring) {
    EXPECT_EQ(render([](ResponseWriter& w) { w.nstring(std::nullopt); }), "NIL");
    EXPECT_EQ(render([](ResponseWriter& w) { w.nstring(std::string_view("x")); }), "\"x\"");
}

}  // namespace
}  // namespace maildex::core
