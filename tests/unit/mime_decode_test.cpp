// core/mime/decode, charset and text_search: what SEARCH compares (RFC 3501 section 6.4.4).

#include "core/mime/decode.h"

#include <gtest/gtest.h>

#include "core/mime/charset.h"
#include "core/mime/text_search.h"
#include "tests/support/mime_text.h"

namespace maildex::core::mime {
namespace {

using test::crlf;

// RFC 2047 section 8's examples of what is displayed.
TEST(MimeDecode, Rfc2047Examples) {
    EXPECT_EQ(decodeHeaderValue("(=?ISO-8859-1?Q?a?=)"), "(a)");
    EXPECT_EQ(decodeHeaderValue("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
    EXPECT_EQ(decodeHeaderValue("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
    EXPECT_EQ(decodeHeaderValue("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)"), "(ab)");
    EXPECT_EQ(decodeHeaderValue("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)"), "(ab)");
    EXPECT_EQ(decodeHeaderValue("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
    EXPECT_EQ(decodeHeaderValue("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)"), "(a b)");
    EXPECT_EQ(decodeHeaderValue("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>"),
              "Keld J\xC3\xB8rn Simonsen <keld@dkuug.dk>");
    // RFC 2231 section 5: a language after the charset.
    EXPECT_EQ(decodeHeaderValue("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
}

TEST(MimeDecode, EncodedWordsInSeveralCharsets) {
    EXPECT_EQ(decodeHeaderValue("=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?="), "J\xC3\xB6rg M\xC3\xBCller");
    EXPECT_EQ(decodeHeaderValue("=?utf-8?q?caf=C3=A9?= au lait"), "caf\xC3\xA9 au lait");
    EXPECT_EQ(decodeHeaderValue("=?iso-8859-1?q?caf=E9?="), "caf\xC3\xA9");
    // ISO-2022-JP "会議" in B encoding.
    EXPECT_EQ(decodeHeaderValue("=?ISO-2022-JP?B?GyRCMnE1RBsoQg==?="), "\xE4\xBC\x9A\xE8\xAD\xB0");
    // windows-1252: curly quotes and the euro sign, which ISO-8859-1 does not have.
    EXPECT_EQ(decodeHeaderValue("=?windows-1252?Q?=93Quoted=94_=80?="),
              "\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x82\xAC");
    // KOI8-R "Привет".
    EXPECT_EQ(decodeHeaderValue("=?koi8-r?B?8NLJ18XU?="),
              "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
}

TEST(MimeDecode, AdjacentWordsAreJoinedBeforeConversion) {
    // "€" (E2 82 AC) split over two B-encoded words.
    EXPECT_EQ(decodeHeaderValue("=?utf-8?B?4oI=?= =?utf-8?B?rA==?="), "\xE2\x82\xAC");
    // Text between words stays; so does the space after a word followed by text.
    EXPECT_EQ(decodeHeaderValue("=?utf-8?q?a?= plain =?utf-8?q?b?="), "a plain b");
}

TEST(MimeDecode, WhatIsNotAnEncodedWordStaysAsItIs) {
    EXPECT_EQ(decodeHeaderValue("no words here"), "no words here");
    EXPECT_EQ(decodeHeaderValue("=?utf-8?x?abc?="), "=?utf-8?x?abc?=");
    EXPECT_EQ(decodeHeaderValue("=?utf-8?q?unterminated"), "=?utf-8?q?unterminated");
    EXPECT_EQ(decodeHeaderValue("=?utf-8?q?has space?="), "=?utf-8?q?has space?=");
    EXPECT_EQ(decodeHeaderValue("a =? b ?= c"), "a =? b ?= c");
    // Unknown charset: the decoded bytes pass through.
    EXPECT_EQ(decodeHeaderValue("=?x-unknown?q?abc=41?="), "abcA");
    // In a quoted string (forbidden by RFC 2047 section 5, written by mailers anyway).
    EXPECT_EQ(decodeHeaderValue("\"=?utf-8?q?Zo=C3=AB?=\" <z@x>"), "\"Zo\xC3\xAB\" <z@x>");
    // Folding goes.
    EXPECT_EQ(decodeHeaderValue("a\r\n b"), "a b");
}

TEST(MimeDecode, ManyBrokenWordsStayLinear) {
    std::string value;
    for (int i = 0; i < 100000; ++i)
        value += "=?utf-8?q?x";
    EXPECT_EQ(decodeHeaderValue(value).size(), value.size());
}

TEST(MimeDecode, Base64IsLenient) {
    EXPECT_EQ(decodeBase64("SGVsbG8sIHdvcmxkIQ=="), "Hello, world!");
    EXPECT_EQ(decodeBase64("SGVs\r\nbG8s\r\nIHdv cmxk\tIQ"), "Hello, world!");  // no padding
    EXPECT_EQ(decodeBase64("SGVsbG8=*!!*IHdvcmxkIQ=="), "Hello world!");
    EXPECT_EQ(decodeBase64(""), "");
    EXPECT_EQ(decodeBase64("===="), "");
}

TEST(MimeDecode, QuotedPrintable) {
    // RFC 2045 section 6.7: soft line breaks, trailing whitespace, hex in either case.
    EXPECT_EQ(decodeQuotedPrintable("caf=C3=A9 =e2=82=ac\r\n"), "caf\xC3\xA9 \xE2\x82\xAC\r\n");
    EXPECT_EQ(decodeQuotedPrintable("soft=\r\nbreak=  \r\nand trailing   \r\nend"),
              "softbreakand trailing\r\nend");
    EXPECT_EQ(decodeQuotedPrintable("a=3Db =ZZ =4"), "a=b =ZZ =4");
    EXPECT_EQ(decodeQuotedPrintable("last=\n"), "last");
}

TEST(MimeDecode, TransferEncodingByName) {
    EXPECT_EQ(decodeTransferEncoding("QQ==", "BASE64"), "A");
    EXPECT_EQ(decodeTransferEncoding("=41", "Quoted-Printable"), "A");
    EXPECT_EQ(decodeTransferEncoding("=41", "8bit"), "=41");
    EXPECT_EQ(decodeTransferEncoding("=41", "x-uuencode"), "=41");
}

TEST(MimeDecode, BodyTextOfParts) {
    std::string msg = crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 cr=E8me\n"
        "--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "w7xiZXI=\n"
        "--b\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
        "\xf0\xd2\xc9\xd7\xc5\xd4\n"
        "--b\nContent-Type: text/plain\n\nundeclared \xc3\xa9\n"
        "--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        "AAEC\n"
        "--b--\n");
    Part root = parseStructure(msg);
    ASSERT_EQ(root.children.size(), 5u);
    EXPECT_EQ(decodedBodyText(msg, root.children[0]), "caf\xC3\xA9 cr\xC3\xA8me");
    EXPECT_EQ(decodedBodyText(msg, root.children[1]),
              "\xC3\xBC"
              "ber");
    EXPECT_EQ(decodedBodyText(msg, root.children[2]),
              "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
    // US-ASCII by default, but 8-bit text passes through (see charset.h).
    EXPECT_EQ(decodedBodyText(msg, root.children[3]), "undeclared \xC3\xA9");
    EXPECT_EQ(decodedBodyText(msg, root.children[4]), std::string("\0\1\2", 3));
}

TEST(MimeCharset, Conversion) {
    EXPECT_EQ(convertToUtf8("\xe9t\xe9", "ISO-8859-1"), "\xC3\xA9t\xC3\xA9");
    EXPECT_EQ(convertToUtf8("ok", "no-such-charset"), std::nullopt);
    EXPECT_EQ(toUtf8("\xe9", "no-such-charset"), "\xe9");
    // Invalid input becomes U+FFFD and conversion goes on.
    EXPECT_EQ(convertToUtf8("a\xff"
                            "b",
                            "utf-8"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(convertToUtf8("\x1b$B", "ISO-2022-JP"), "");  // a bare shift sequence
    EXPECT_EQ(convertToUtf8("abc", "utf8"), "abc");
}

TEST(MimeTextSearch, CaseInsensitiveAcrossScripts) {
    EXPECT_TRUE(containsIgnoringCase("Hello World", "WORLD"));
    EXPECT_TRUE(containsIgnoringCase("CAF\xC3\x89 au lait", "caf\xC3\xA9"));  // É / é
    // Greek: final sigma matches sigma and capital sigma.
    EXPECT_TRUE(containsIgnoringCase("\xCE\x9F\xCE\x94\xCE\xA3", "\xCE\xBF\xCE\xB4\xCF\x82"));
    // Cyrillic: ЖУК / жук.
    EXPECT_TRUE(containsIgnoringCase("\xD0\x96\xD0\xA3\xD0\x9A", "\xD0\xB6\xD1\x83\xD0\xBA"));
    EXPECT_FALSE(
        containsIgnoringCase("stra\xC3\x9F"
                             "e",
                             "STRASSE"));  // simple folding only
    EXPECT_TRUE(containsIgnoringCase("anything", ""));
    EXPECT_FALSE(containsIgnoringCase("", "x"));
    // An ASCII pattern, matched in text where a non-ASCII letter folds to ASCII: KELVIN
    // SIGN (U+212A) is "k" (the ASCII-only scan must not miss it).
    EXPECT_TRUE(
        containsIgnoringCase("zero \xE2\x84\xAA"
                             "elvin",
                             "KELVIN"));
    EXPECT_FALSE(
        containsIgnoringCase("zero \xE2\x84\xAA"
                             "elvin",
                             "KELVINS"));
    // Invalid UTF-8 is compared byte for byte.
    EXPECT_TRUE(
        containsIgnoringCase("a\xff"
                             "B",
                             "\xff"
                             "b"));
}

TEST(MimeTextSearch, WorstCasePatternStaysLinear) {
    std::string text(4 << 20, 'a');
    std::string pattern(4000, 'a');
    pattern += 'b';
    EXPECT_FALSE(containsIgnoringCase(text, pattern));
    text += 'B';
    EXPECT_TRUE(containsIgnoringCase(text, pattern));
}

}  // namespace
}  // namespace maildex::core::mime
