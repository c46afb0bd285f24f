// core/mime/envelope and core/mime/address: ENVELOPE as RFC 3501 section 7.4.2 defines it.
// Expected strings marked "Dovecot" were copied from Dovecot 2.3.19's answer to the same
// message (`/usr/lib/dovecot/imap` in PREAUTH mode); where Dovecot sends a literal and
// Maildex's writer a quoted string, the value is the same and the quoted form is shown.

#include "core/mime/envelope.h"

#include <gtest/gtest.h>

#include "core/mime/address.h"
#include "tests/support/mime_text.h"

namespace maildex::core::mime {
namespace {

using namespace std::string_literals;

using test::crlf;
using test::envelopeOf;

// Renders the address structures of one address-list value.
std::string addresses(std::string_view value) {
    std::string message = "To: " + std::string(value) + "\r\n\r\n";
    std::string env = envelopeOf(message);
    // The To list is the 6th field: skip date, subject, from, sender, reply-to (all NIL).
    std::string_view prefix = "(NIL NIL NIL NIL NIL ";
    EXPECT_TRUE(env.starts_with(prefix)) << env;
    std::string rest = env.substr(prefix.size());
    return rest.substr(0, rest.size() - std::string_view(" NIL NIL NIL NIL)").size());
}

TEST(MimeEnvelope, Rfc3501Structure) {
    std::string msg = crlf(
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
        "From: Terry Gray <gray@cac.washington.edu>\n"
        "Subject: IMAP4rev1 WG mtg summary and minutes\n"
        "To: imap@cac.washington.edu\n"
        "Cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n"
        "Message-Id: <B27397-0100000@cac.washington.edu>\n"
        "\nbody\n");
    // RFC 3501 section 8's example response.
    EXPECT_EQ(envelopeOf(msg),
              "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and "
              "minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry "
              "Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
              "\"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL "
              "\"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
              "NIL NIL \"<B27397-0100000@cac.washington.edu>\")");
}

TEST(MimeEnvelope, MissingFieldsAreNilAndSenderReplyToDefaultToFrom) {
    EXPECT_EQ(envelopeOf(crlf("X-Other: 1\n\nbody\n")),
              "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelopeOf(crlf("From: a@b.c\nReply-To:\nSender:  \n\n")),
              "(NIL NIL ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" "
              "\"b.c\")) NIL NIL NIL NIL NIL)");
}

TEST(MimeEnvelope, ValuesAreRawUnfoldedAndNotDecoded) {
    // Dovecot: subject is text for humans (whitespace collapsed), the others kept exactly.
    std::string msg = crlf(
        "Date:  Tue, 1 Jul 2003\t10:52:37 +0200  \n"
        "Subject:   =?utf-8?q?caf=C3=A9?= and\n \t folded  \n"
        "In-Reply-To: <a@b>\n\t<c@d>\n"
        "Message-ID:\n <m@id>\n\n");
    EXPECT_EQ(envelopeOf(msg),
              "(\"Tue, 1 Jul 2003\t10:52:37 +0200  \" \"=?utf-8?q?caf=C3=A9?= and folded\" NIL "
              "NIL NIL NIL NIL NIL \"<a@b>\t<c@d>\" \" <m@id>\")");
}

TEST(MimeEnvelope, RepeatedFields) {
    // Dovecot: the last string field counts; address fields add up.
    std::string msg = crlf(
        "Subject: first\nSubject: second\nFrom: a@x\nFrom: b@y\nMessage-ID: <1>\n"
        "Message-ID: <2>\n\n");
    EXPECT_EQ(envelopeOf(msg),
              "(NIL \"second\" ((NIL NIL \"a\" \"x\")(NIL NIL \"b\" \"y\")) ((NIL NIL \"a\" "
              "\"x\")(NIL NIL \"b\" \"y\")) ((NIL NIL \"a\" \"x\")(NIL NIL \"b\" \"y\")) NIL NIL "
              "NIL NIL \"<2>\")");
}

TEST(MimeEnvelope, EmptyAndWhitespaceSubjects) {
    EXPECT_EQ(envelopeOf(crlf("Subject:\n\n")), "(NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelopeOf(crlf("Subject:   \n\n")), "(NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelopeOf(crlf("Subject:\n folded only\n\n")),
              "(NIL \"folded only\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(MimeEnvelope, EightBitAndNulValues) {
    std::string msg = "Subject: caf\xc3\xa9 a\0b\r\nFrom: J\xc3\xb6rg <j@x>\r\n\r\n"s;
    std::string env = envelopeOf(msg);
    // 8-bit text goes as a literal; NUL becomes U+FFFD (Dovecot).
    EXPECT_NE(env.find("{11}\r\ncaf\xc3\xa9 a\xEF\xBF\xBD"
                       "b"),
              std::string::npos)
        << env;
    EXPECT_NE(env.find("{5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\""), std::string::npos) << env;
}

TEST(MimeAddress, DisplayNamesRoutesAndComments) {
    EXPECT_EQ(addresses("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>"),
              "((\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"example.org\")"
              "(\"Who?\" NIL \"one\" \"y.test\"))");
    EXPECT_EQ(addresses("\"Joe Q. Public\" <john.q.public@example.com>"),
              "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\"))");
    EXPECT_EQ(addresses("\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>"),
              "((\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" \"example.net\"))");
    // RFC 5322 appendix A.6.3 (Dovecot).
    EXPECT_EQ(addresses("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>"),
              "((\"Pete\" NIL \"pete\" \"silly.test\"))");
    // obs-route becomes the adl (Dovecot).
    EXPECT_EQ(addresses("<@route1.example,@route2.example:user@example.com>"),
              "((NIL \"@route1.example,@route2.example\" \"user\" \"example.com\"))");
    // A trailing comment names an address without a display name (Dovecot).
    EXPECT_EQ(addresses("a@b (c1) (c2)"), "((\"c2\" NIL \"a\" \"b\"))");
    EXPECT_EQ(addresses("(Only Comment) <a@b>"), "((NIL NIL \"a\" \"b\"))");
    EXPECT_EQ(addresses("John (middle) Doe <j@d>"), "((\"John Doe\" NIL \"j\" \"d\"))");
    EXPECT_EQ(addresses("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>"),
              "((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be\"))");
    EXPECT_EQ(addresses("\"a b\"@c, x@[1.2.3.4]"),
              "((NIL NIL \"a b\" \"c\")(NIL NIL \"x\" \"[1.2.3.4]\"))");
}

TEST(MimeAddress, Groups) {
    // RFC 3501: group start (NIL NIL "name" NIL), group end (NIL NIL NIL NIL).
    EXPECT_EQ(addresses("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;"),
              "((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" "
              "\"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL))");
    EXPECT_EQ(addresses("Undisclosed recipients:;"),
              "((NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL))");
    EXPECT_EQ(addresses("G: ;, x@y"),
              "((NIL NIL \"G\" NIL)(NIL NIL NIL NIL)(NIL NIL \"x\" \"y\"))");
    // An unterminated group still ends (Dovecot).
    EXPECT_EQ(addresses("G: a@b"), "((NIL NIL \"G\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL))");
}

// RFC 3501 reserves a NIL host for group markers, so missing parts are named (Dovecot).
TEST(MimeAddress, BrokenAddressesAsDovecotReadsThem) {
    EXPECT_EQ(addresses("user"), "((NIL NIL \"user\" \"MISSING_DOMAIN\"))");
    EXPECT_EQ(addresses("user@"), "((NIL NIL \"user\" \"MISSING_DOMAIN\"))");
    EXPECT_EQ(addresses("@dom"), "((NIL NIL \"MISSING_MAILBOX\" \"dom\"))");
    EXPECT_EQ(addresses("<>"), "((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
    EXPECT_EQ(addresses("\"quoted only\""),
              "((\"quoted only\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
    EXPECT_EQ(addresses("x y z"), "((\"x y z\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
    EXPECT_EQ(addresses("<a@b"), "((NIL NIL \"a\" \"SYNTAX_ERROR\"))");
    EXPECT_EQ(addresses("<@route user@dom>"), "((NIL \"INVALID_ROUTE\" \"user\" \"dom\"))");
    EXPECT_EQ(addresses("a@b.c."), "((NIL NIL \"a\" \"MISSING_DOMAIN\"))");
    EXPECT_EQ(addresses("a..b@c, .a@b, a.b.@c"),
              "((NIL NIL \"a..b\" \"c\")(NIL NIL \".a\" \"b\")(NIL NIL \"a.b.\" \"c\"))");
    EXPECT_EQ(addresses("a@b,,c@d"),
              "((NIL NIL \"a\" \"b\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL "
              "\"c\" \"d\"))");
    // Parsing stops at what is neither "," nor the end.
    EXPECT_EQ(addresses("a@b c@d, e@f"), "((NIL NIL \"a\" \"b\"))");
    EXPECT_EQ(addresses("a@b,"), "((NIL NIL \"a\" \"b\"))");
    EXPECT_EQ(addresses("   "), "NIL");
}

// Found by fuzzing against Dovecot; its answers are the expected values.
TEST(MimeAddress, NulBytesLineBreaksAndBareCrs) {
    // A NUL ends an atom; quoted text, comments and domain literals replace it.
    EXPECT_EQ(addresses("a\0b@c"s), "((NIL NIL \"a\" \"MISSING_DOMAIN\"))");
    EXPECT_EQ(addresses("\"a\0b\" <x@y>"s),
              "(({5}\r\na\xEF\xBF\xBD"
              "b NIL \"x\" \"y\"))");
    // A bare CR is no line break.
    EXPECT_EQ(addresses("x@[1\r.2]"), "((NIL NIL \"x\" {6}\r\n[1\r.2]))");
    // An unclosed quoted string keeps what came before its last line break.
    EXPECT_EQ(addresses("b\"@quoted.example,\r\n first@example.com"),
              "((\"b @quoted.example,\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
    // A field name ends at a NUL.
    EXPECT_EQ(envelopeOf("To\0: a@b\r\n\r\n"s),
              "(NIL NIL NIL NIL NIL ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL)");
}

TEST(MimeAddress, ParserResultFields) {
    auto list = parseAddressList("G: \"N\" <@r:m@h>;");
    ASSERT_EQ(list.size(), 3u);
    EXPECT_TRUE(list[0].isGroupStart());
    EXPECT_EQ(list[0].mailbox, "G");
    EXPECT_EQ(list[1].name, "N");
    EXPECT_EQ(list[1].route, "@r");
    EXPECT_EQ(list[1].mailbox, "m");
    EXPECT_EQ(list[1].host, "h");
    EXPECT_TRUE(list[2].isGroupEnd());
}

TEST(MimeEnvelope, TextForHumans) {
    EXPECT_EQ(textForHumans("  a \t b\r\n c  "), "a b c");
    EXPECT_EQ(textForHumans(" \t "), "");
    EXPECT_EQ(textForHumans(""), "");
}

}  // namespace
}  // namespace maildex::core::mime
