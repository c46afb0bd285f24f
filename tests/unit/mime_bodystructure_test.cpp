// core/mime/bodystructure: BODY and BODYSTRUCTURE text. Expected strings marked "Dovecot"
// are byte for byte what Dovecot 2.3.19 sent for the same message (Debian bookworm's
// dovecot-imapd, `/usr/lib/dovecot/imap` in PREAUTH mode, FETCH 1 (BODYSTRUCTURE BODY)).

#include "core/mime/bodystructure.h"

#include <gtest/gtest.h>

#include "tests/support/mime_text.h"

namespace maildex::core::mime {
namespace {

using test::bodyOf;
using test::bodyStructureOf;
using test::crlf;

TEST(MimeBodyStructure, PlainText) {
    std::string msg = crlf("From: a@b.c\nSubject: hi\n\nhello\n");
    // Dovecot.
    EXPECT_EQ(bodyStructureOf(msg),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL "
              "NIL)");
    EXPECT_EQ(bodyOf(msg), "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1)");
}

// Case kept as written, RFC 2231 merged but still encoded, every extension field, and a
// default charset only where no charset was given. Dovecot.
TEST(MimeBodyStructure, MultipartWithExtensionData) {
    std::string msg = crlf(
        "From: \"Joe Q. Public\" <john.q.public@example.com>\n"
        "To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>\n"
        "Cc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>\n"
        "Subject:   Multiple\t  spaces   here  \n"
        "Subject: second subject\n"
        "Date: Tue, 1 Jul 2003 10:52:37 +0200\n"
        "Message-ID: <5678.21-Nov-1997@example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: MULTIPART/Mixed; BOUNDARY=\"XyZ\"; Foo=Bar\n"
        "\n"
        "preamble\n"
        "--XyZ\n"
        "Content-Type: TEXT/PLAIN; CHARSET=UTF-8\n"
        "Content-Transfer-Encoding: QUOTED-PRINTABLE\n"
        "\n"
        "hello\n"
        "--XyZ   \n"
        "Content-Type: text/plain\n"
        "Content-Disposition: ATTACHMENT; filename*0*=utf-8''%E2%82%AC; filename*1*=%20rates.txt; "
        "size=3\n"
        "\n"
        "abc\n"
        "def\n"
        "--XyZ\n"
        "Content-Type: application/octet-stream; name*1=\"b.bin\"; name*0=\"a\"\n"
        "Content-Language: en-US, de\n"
        "Content-Location: http://example.com/\n"
        " a.bin\n"
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
        "Content-ID: <id1@x>\n"
        "Content-Description: A \"described\"  part\n"
        "\n"
        "xyz\n"
        "--XyZ--\n"
        "epilogue\n");
    EXPECT_EQ(bodyStructureOf(msg),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 5 0 NIL "
              "NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 1 "
              "NIL (\"ATTACHMENT\" (\"size\" \"3\" \"filename*\" "
              "\"utf-8''%E2%82%AC%20rates.txt\")) NIL NIL)(\"application\" \"octet-stream\" "
              "(\"name\" \"ab.bin\") \"<id1@x>\" \"A \\\"described\\\"  part\" \"7bit\" 3 "
              "\"Q2hlY2sgSW50ZWdyaXR5IQ==\" NIL (\"en-US\" \"de\") \"http://example.com/ a.bin\") "
              "\"Mixed\" (\"BOUNDARY\" \"XyZ\" \"Foo\" \"Bar\") NIL NIL NIL)");
    EXPECT_EQ(bodyOf(msg),
              "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 5 "
              "0)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 "
              "1)(\"application\" \"octet-stream\" (\"name\" \"ab.bin\") \"<id1@x>\" \"A "
              "\\\"described\\\"  part\" \"7bit\" 3) \"Mixed\")");
}

// body-type-msg with envelope, body and lines; multipart/digest's default part type.
// Dovecot.
TEST(MimeBodyStructure, MessageRfc822AndDigest) {
    std::string msg = crlf(
        "Subject: outer\n"
        "Content-Type: multipart/mixed; boundary=b1\n"
        "\n"
        "--b1\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "Subject: inner\n"
        "From: in@x.test\n"
        "Content-Type: multipart/alternative; boundary=\"b2\"\n"
        "\n"
        "--b2\n"
        "Content-Type: text/plain\n"
        "\n"
        "inner text\n"
        "--b2\n"
        "Content-Type: text/html\n"
        "\n"
        "<p>x</p>\n"
        "--b2--\n"
        "--b1\n"
        "Content-Type: multipart/digest; boundary=d\n"
        "\n"
        "--d\n"
        "\n"
        "Subject: digest one\n"
        "\n"
        "one\n"
        "--d\n"
        "Content-Type: text/plain\n"
        "\n"
        "not a message\n"
        "--d--\n"
        "\n"
        "--b1\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "Subject: simple inner\n"
        "\n"
        "simple body\n"
        "--b1--\n");
    EXPECT_EQ(
        bodyStructureOf(msg),
        "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 184 (NIL \"inner\" ((NIL NIL \"in\" "
        "\"x.test\")) ((NIL NIL \"in\" \"x.test\")) ((NIL NIL \"in\" \"x.test\")) NIL NIL NIL NIL "
        "NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL "
        "NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 0 NIL NIL NIL NIL) "
        "\"alternative\" (\"boundary\" \"b2\") NIL NIL NIL) 13 NIL NIL NIL NIL)((\"message\" "
        "\"rfc822\" NIL NIL NIL \"7bit\" 26 (NIL \"digest one\" NIL NIL NIL NIL NIL NIL NIL NIL) "
        "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 0 NIL NIL NIL NIL) 2 "
        "NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 "
        "NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL)(\"message\" \"rfc822\" "
        "NIL NIL NIL \"7bit\" 36 (NIL \"simple inner\" NIL NIL NIL NIL NIL NIL NIL NIL) "
        "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 0 NIL NIL NIL NIL) "
        "2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)");
    EXPECT_EQ(bodyOf(msg),
              "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 184 (NIL \"inner\" ((NIL NIL \"in\" "
              "\"x.test\")) ((NIL NIL \"in\" \"x.test\")) ((NIL NIL \"in\" \"x.test\")) NIL NIL "
              "NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 "
              "0)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 0) "
              "\"alternative\") 13)((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 26 (NIL \"digest "
              "one\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" "
              "\"us-ascii\") NIL NIL \"7bit\" 3 0) 2)(\"text\" \"plain\" (\"charset\" "
              "\"us-ascii\") NIL NIL \"7bit\" 13 0) \"digest\")(\"message\" \"rfc822\" NIL NIL NIL "
              "\"7bit\" 36 (NIL \"simple inner\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" "
              "\"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 0) 2) \"mixed\")");
}

// The grammar needs at least one body in a multipart: one empty text/plain stands in.
// Dovecot.
TEST(MimeBodyStructure, MultipartWithoutParts) {
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: multipart/mixed\n\n--x\n\nhi\n--x--\n")),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL "
              "NIL) \"mixed\" NIL NIL NIL NIL)");
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: multipart/mixed; boundary=x\n\nno parts\n")),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL "
              "NIL) \"mixed\" (\"boundary\" \"x\") NIL NIL NIL)");
    EXPECT_EQ(bodyOf(crlf("Content-Type: multipart/mixed; boundary=x\n\nno parts\n")),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")");
}

// A missing close delimiter: the outer boundary ends the inner multipart. Dovecot.
TEST(MimeBodyStructure, InnerMultipartClosedByOuterBoundary) {
    EXPECT_EQ(
        bodyStructureOf(crlf("Content-Type: multipart/mixed; boundary=outer\n\n--outer\n"
                             "Content-Type: multipart/alternative; boundary=inner\n\n--inner\n\n"
                             "a\n--inner\n\nb\n--outer\n\nc\n--outer--\n")),
        "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL "
        "NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL) "
        "\"alternative\" (\"boundary\" \"inner\") NIL NIL NIL)(\"text\" \"plain\" (\"charset\" "
        "\"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"outer\") "
        "NIL NIL NIL)");
}

// Broken Content-Type values and parameters. Dovecot.
TEST(MimeBodyStructure, BrokenContentTypesAndParameters) {
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: garbage\n\nbody\n")),
              "(\"garbage\" \"\" NIL NIL NIL \"7bit\" 6 NIL NIL NIL NIL)");
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: ; charset=utf-8\n\nbody\n")),
              "(\"\" \"\" NIL NIL NIL \"7bit\" 6 NIL NIL NIL NIL)");
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: text\n\nbody\n")),
              "(\"text\" \"\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL)");
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: text/plain; charset=\"utf-8\" ; format=flowed;"
                                   " delsp=yes (comment); x=\"a\\\"b\"\n\nbody\n")),
              "(\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\" \"delsp\" \"yes\" "
              "\"x\" \"a\\\"b\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL)");
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: text/plain; =x; a=b; c= ; d=e\n\nx\n")),
              "(\"text\" \"plain\" (\"\" \"x\" \"a\" \"b\" \"c\" \"\" \"d\" \"e\" \"charset\" "
              "\"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)");
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: application/pdf; name==?utf-8?B?w6k=?=\n"
                                   "Content-Transfer-Encoding: base64 junk\n\nAAAA\n")),
              "(\"application\" \"pdf\" (\"name\" \"=?utf-8?B?w6k=?=\") NIL NIL \"7bit\" 6 NIL "
              "NIL NIL NIL)");
}

// A message/rfc822 part whose body is not a message still gets an envelope of NILs.
// Dovecot.
TEST(MimeBodyStructure, MessageRfc822WithoutMessage) {
    EXPECT_EQ(
        bodyStructureOf(crlf("Content-Type: message/rfc822\n"
                             "Content-Transfer-Encoding: base64\n\n"
                             "U3ViamVjdDogeAoKYm9keQo=\n")),
        "(\"message\" \"rfc822\" NIL NIL NIL \"base64\" 26 (NIL NIL NIL NIL NIL NIL NIL NIL "
        "NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL "
        "NIL NIL) 1 NIL NIL NIL NIL)");
}

TEST(MimeBodyStructure, DispositionWithoutParametersAndLanguageList) {
    // Dovecot: body-fld-lang is always a list.
    EXPECT_EQ(bodyStructureOf(crlf("Content-Type: Text/Plain; Charset=ISO-8859-1\n"
                                   "Content-Disposition: inline\nContent-Language: en\n"
                                   "Content-Transfer-Encoding: 8bit\n\nbody\n")),
              "(\"Text\" \"Plain\" (\"Charset\" \"ISO-8859-1\") NIL NIL \"8bit\" 6 1 NIL "
              "(\"inline\" NIL) (\"en\") NIL)");
}

}  // namespace
}  // namespace maildex::core::mime
