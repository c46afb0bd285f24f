// core/imap/ascii.h: IMAP's case-insensitive comparisons fold ASCII letters only, and
// ATOM-CHAR is the grammar's (RFC 3501 and RFC 9051 section 9), byte for byte.

#include "core/imap/ascii.h"

#include <gtest/gtest.h>

namespace maildex::core {
namespace {

TEST(Ascii, FoldsLettersOnly) {
    EXPECT_EQ(ascii::upper("uid fetch 1:* [body]"), "UID FETCH 1:* [BODY]");
    EXPECT_EQ(ascii::lower("INBOX.Entw\xC3\xBCRFE"), "inbox.entw\xC3\xBCrfe");
    // Bytes above 0x7f are not letters, whatever the locale says.
    EXPECT_EQ(ascii::upper("\xE4\xF6"), "\xE4\xF6");
    EXPECT_EQ(ascii::toUpper('@'), '@');
    EXPECT_EQ(ascii::toUpper('['), '[');
    EXPECT_EQ(ascii::toLower('`'), '`');
}

TEST(Ascii, ComparesIgnoringCase) {
    EXPECT_TRUE(ascii::iequals("Inbox", "INBOX"));
    EXPECT_TRUE(ascii::iequals("", ""));
    EXPECT_FALSE(ascii::iequals("INBOX", "INBOX."));
    EXPECT_FALSE(ascii::iequals("\xC3\xA4", "\xC3\x84"));  // ä / Ä: not ASCII
    EXPECT_TRUE(ascii::istartsWith("inbox.Sent", "INBOX."));
    EXPECT_FALSE(ascii::istartsWith("INBO", "INBOX"));
    EXPECT_TRUE(ascii::istartsWith("x", ""));
    static_assert(ascii::iequals("done", "DONE"));
}

TEST(Ascii, AtomCharIsTheGrammars) {
    // ATOM-CHAR = <any CHAR except atom-specials>; atom-specials = "(" / ")" / "{" / SP /
    // CTL / list-wildcards / quoted-specials / resp-specials.
    const std::string specials = "(){%*\"\\]";
    for (int c = 0; c < 256; ++c) {
        bool expected =
            c > 0x20 && c < 0x7f && specials.find(static_cast<char>(c)) == std::string::npos;
        EXPECT_EQ(ascii::isAtomChar(static_cast<unsigned char>(c)), expected) << c;
        EXPECT_EQ(ascii::isAstringChar(static_cast<unsigned char>(c)), expected || c == ']') << c;
    }
}

}  // namespace
}  // namespace maildex::core
