// base/log: one message is one line, whatever text a client put into it.

#include "base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace maildex::log {
namespace {

using namespace std::string_literals;

TEST(LogEscape, PrintableTextAndUtf8StayAsTheyAre) {
    EXPECT_EQ(escape("session 7 127.0.0.1:4000: login failed for alice@example.com"),
              "session 7 127.0.0.1:4000: login failed for alice@example.com");
    EXPECT_EQ(escape("Entw\u00fcrfe \u65e5\u672c \U0001F600 a\\b"),
              "Entw\u00fcrfe \u65e5\u672c \U0001F600 a\\b");
    EXPECT_EQ(escape(""), "");
}

TEST(LogEscape, ControlCharactersBecomeHexEscapes) {
    EXPECT_EQ(escape("eve\r\n2030-01-01T00:00:00 info session 1: logged in"),
              "eve\\x0d\\x0a2030-01-01T00:00:00 info session 1: logged in");
    EXPECT_EQ(escape("a\0b"s), "a\\x00b");
    EXPECT_EQ(escape("tab\there\x1b[2J\x7f"), "tab\\x09here\\x1b[2J\\x7f");
}

TEST(LogEscape, UnsafeUnicodeIsEscapedBytewise) {
    EXPECT_EQ(escape("x\u0085y"), "x\\xc2\\x85y");      // NEL, a C1 line break
    EXPECT_EQ(escape("x\u009b2Jy"), "x\\xc2\\x9b2Jy");  // CSI
    EXPECT_EQ(escape("x\u2028y\u2029"), "x\\xe2\\x80\\xa8y\\xe2\\x80\\xa9");
    EXPECT_EQ(escape("admin\u202egnp.exe"), "admin\\xe2\\x80\\xaegnp.exe");  // RLO
    EXPECT_EQ(escape("a\u2067b"), "a\\xe2\\x81\\xa7b");                      // RLI
    EXPECT_EQ(escape("\u00a0\u2027\u202f"), "\u00a0\u2027\u202f");           // neighbours are fine
}

TEST(LogEscape, BytesThatAreNotUtf8AreEscaped) {
    EXPECT_EQ(escape("Latin-1 \xe9t\xe9"), "Latin-1 \\xe9t\\xe9");
    EXPECT_EQ(escape("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
    EXPECT_EQ(escape("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
    EXPECT_EQ(escape("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
    EXPECT_EQ(escape("cut \xe6\x97"), "cut \\xe6\\x97");            // truncated at the end
    EXPECT_EQ(escape("\xe6\x97\x0a"), "\\xe6\\x97\\x0a");           // truncated by a newline
    EXPECT_EQ(escape("\x80\xbf"), "\\x80\\xbf");                    // lone continuation bytes
}

TEST(LogWrite, SinksAndStderrGetTheEscapedLine) {
    std::vector<std::string> got;
    setSink([&](Level, std::string_view m) { got.emplace_back(m); });
    info("login failed for mallory\r\n2030-01-01T00:00:00 info forged\0line"s);
    setSink({});
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], "login failed for mallory\\x0d\\x0a2030-01-01T00:00:00 info forged\\x00line");
    EXPECT_EQ(got[0].find('\n'), std::string::npos);
}

}  // namespace
}  // namespace maildex::log
