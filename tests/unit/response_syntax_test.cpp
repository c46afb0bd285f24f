// tests/fuzz/response_syntax: the fuzz targets' oracle must itself tell good from bad.

#include "tests/fuzz/response_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace maildex::test {
namespace {

using namespace std::string_literals;

TEST(ResponseSyntax, AcceptsWhatServersSend) {
    EXPECT_EQ(responseProblem(""), std::nullopt);
    EXPECT_EQ(responseProblem("* OK [CAPABILITY IMAP4rev1] Ready (or not\r\n"), std::nullopt);
    EXPECT_EQ(responseProblem("+ Ready for literal data\r\na1 BAD Missing ) here\r\n"),
              std::nullopt);
    EXPECT_EQ(responseProblem("* LIST (\\HasNoChildren) \".\" \"INBOX.a \\\"b\\\\\"\r\n"),
              std::nullopt);
    EXPECT_EQ(responseProblem("* 1 FETCH (UID 4 BODY[1.MIME] {7}\r\n(a\r\n)\"b ENVELOPE (NIL))\r\n"
                              "a2 OK done\r\n"),
              std::nullopt);
}

TEST(ResponseSyntax, FindsWhatBreaksAClientsParser) {
    EXPECT_NE(responseProblem("* OK no line end"), std::nullopt);
    EXPECT_NE(responseProblem("* OK bare\nLF\r\n"), std::nullopt);
    EXPECT_NE(responseProblem("a1 OK has a \0 NUL\r\n"s), std::nullopt);
    EXPECT_NE(responseProblem("* 1 FETCH (FLAGS (\\Seen)\r\n"), std::nullopt);
    EXPECT_NE(responseProblem("* 1 FETCH (FLAGS ()))\r\n"), std::nullopt);
    EXPECT_NE(responseProblem("* LIST () \".\" \"open\r\n"), std::nullopt);
    EXPECT_NE(responseProblem("* LIST () \".\" \"bad \\escape\"\r\n"), std::nullopt);
    EXPECT_NE(responseProblem("* 1 FETCH (BODY[] {5}\r\nab)\r\n"), std::nullopt);  // too short
    EXPECT_NE(responseProblem("* 1 FETCH (BODY[] {3}\r\na\0b)\r\n"s), std::nullopt);
    EXPECT_NE(responseProblem("* 1 FETCH (BODY[] {3}x\r\nabc)\r\n"), std::nullopt);
    EXPECT_NE(responseProblem("* SEARCH {oops}\r\n"), std::nullopt);
}

}  // namespace
}  // namespace maildex::test
