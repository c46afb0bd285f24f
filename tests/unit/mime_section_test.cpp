// core/mime/section: BODY[section] text (RFC 3501 section 6.4.5). Answers to what the RFC
// leaves open (nonexistent parts, HEADER of a non-message part, HEADER.FIELDS without an
// empty line) are Dovecot 2.3.19's; the corpus test checks them message by message.

#include "core/mime/section.h"

#include <gtest/gtest.h>

#include "tests/support/mime_text.h"

namespace maildex::core::mime {
namespace {

using namespace std::string_literals;
using test::crlf;
using Text = SectionSpec::Text;

std::string section(const std::string& msg, std::vector<std::uint32_t> part, Text text = Text::Full,
                    std::vector<std::string> fields = {}) {
    Part root = parseStructure(msg);
    return sectionBytes(msg, root, SectionSpec{std::move(part), text, std::move(fields)});
}

// The example of RFC 3501 section 6.4.5, as tests/corpus/rfc3501-example.eml.
class Rfc3501Example : public ::testing::Test {
  protected:
    std::string msg = test::corpusMessage("rfc3501-example.eml");
};

TEST_F(Rfc3501Example, PartNumbersAddressTheRightParts) {
    Part root = parseStructure(msg);
    auto typeOf = [&](std::vector<std::uint32_t> path) {
        const Part* p = findPart(root, path);
        return p ? p->type + "/" + p->subtype : std::string("none");
    };
    EXPECT_EQ(typeOf({}), "MULTIPART/MIXED");
    EXPECT_EQ(typeOf({1}), "TEXT/PLAIN");
    EXPECT_EQ(typeOf({2}), "APPLICATION/OCTET-STREAM");
    EXPECT_EQ(typeOf({3}), "MESSAGE/RFC822");
    EXPECT_EQ(typeOf({3, 1}), "TEXT/PLAIN");
    EXPECT_EQ(typeOf({3, 2}), "APPLICATION/OCTET-STREAM");
    EXPECT_EQ(typeOf({4}), "MULTIPART/MIXED");
    EXPECT_EQ(typeOf({4, 1}), "IMAGE/GIF");
    EXPECT_EQ(typeOf({4, 2}), "MESSAGE/RFC822");
    EXPECT_EQ(typeOf({4, 2, 1}), "TEXT/PLAIN");
    EXPECT_EQ(typeOf({4, 2, 2}), "MULTIPART/ALTERNATIVE");
    EXPECT_EQ(typeOf({4, 2, 2, 1}), "TEXT/PLAIN");
    EXPECT_EQ(typeOf({4, 2, 2, 2}), "TEXT/RICHTEXT");
    EXPECT_EQ(typeOf({5}), "none");
    EXPECT_EQ(typeOf({4, 3}), "none");
    EXPECT_EQ(typeOf({1, 2}), "none");
}

TEST_F(Rfc3501Example, SectionTexts) {
    EXPECT_EQ(section(msg, {}), msg);
    EXPECT_TRUE(section(msg, {}, Text::Header).starts_with("Date: Fri, 26 Jan 2024"));
    EXPECT_TRUE(section(msg, {}, Text::Header).ends_with("boundary=\"top\"\r\n\r\n"));
    EXPECT_TRUE(section(msg, {}, Text::Text).starts_with("--top\r\n"));
    EXPECT_EQ(section(msg, {1}), "Part 1.");
    EXPECT_EQ(section(msg, {1}, Text::Mime), "Content-Type: TEXT/PLAIN; charset=us-ascii\r\n\r\n");
    EXPECT_EQ(section(msg, {2}), "UGFydCAyLg==");
    EXPECT_EQ(section(msg, {3, 1}), "Part 3.1.");
    EXPECT_EQ(section(msg, {3, 2}, Text::Mime), "Content-Type: APPLICATION/OCTET-STREAM\r\n\r\n");
    // HEADER and TEXT of a message/rfc822 part are the embedded message's; MIME is its own.
    EXPECT_TRUE(section(msg, {3}, Text::Header).starts_with("From: Inner Three"));
    EXPECT_TRUE(section(msg, {3}, Text::Text).starts_with("--three\r\n"));
    EXPECT_EQ(section(msg, {3}, Text::Mime), "Content-Type: MESSAGE/RFC822\r\n\r\n");
    EXPECT_TRUE(section(msg, {3}).starts_with("From: Inner Three"));  // the whole message
    EXPECT_EQ(section(msg, {4, 1}, Text::Mime),
              "Content-Type: IMAGE/GIF\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    EXPECT_TRUE(section(msg, {4, 2}, Text::Header).starts_with("From: Inner Four Two"));
    EXPECT_TRUE(section(msg, {4, 2}, Text::Text).starts_with("--fourtwo\r\n"));
    EXPECT_EQ(section(msg, {4, 2, 1}), "Part 4.2.1.");
    EXPECT_EQ(section(msg, {4, 2, 2, 1}), "Part 4.2.2.1.");
    EXPECT_EQ(section(msg, {4, 2, 2, 2}), "Part 4.2.2.2.");
    EXPECT_EQ(section(msg, {4, 2}, Text::HeaderFields, {"subject"}), "Subject: Part 4.2\r\n\r\n");
}

TEST_F(Rfc3501Example, WhatDoesNotExistIsEmpty) {
    EXPECT_EQ(section(msg, {9}), "");
    EXPECT_EQ(section(msg, {9}, Text::Mime), "");
    EXPECT_EQ(section(msg, {1}, Text::Header), "");  // not message/rfc822
    EXPECT_EQ(section(msg, {4}, Text::Text), "");
    EXPECT_EQ(section(msg, {1, 1, 1}), "");
}

TEST(MimeSection, PartOneOfANonMultipartMessageIsItsBody) {
    std::string msg = crlf("Subject: s\n\nbody text\n");
    EXPECT_EQ(section(msg, {1}), "body text\r\n");
    EXPECT_EQ(section(msg, {1}, Text::Mime), "Subject: s\r\n\r\n");
    EXPECT_EQ(section(msg, {2}), "");
    EXPECT_EQ(section(msg, {1, 1}), "");
    // A leaf inside a multipart answers to ".1" as well (Dovecot).
    std::string multi = crlf("Content-Type: multipart/mixed; boundary=x\n\n--x\n\nleaf\n--x--\n");
    EXPECT_EQ(section(multi, {1, 1}), "leaf");
}

TEST(MimeSection, HeaderFieldsKeepOrderFoldingAndEndWithEmptyLine) {
    std::string msg = crlf(
        "Received: by x\nSubject: first\n folded\nFrom: a@b\nsubject : second\n"
        "X-No-Colon\n\nbody\n");
    EXPECT_EQ(section(msg, {}, Text::HeaderFields, {"SUBJECT", "from"}),
              "Subject: first\r\n folded\r\nFrom: a@b\r\nsubject : second\r\n\r\n");
    EXPECT_EQ(section(msg, {}, Text::HeaderFieldsNot, {"Subject", "RECEIVED"}),
              "From: a@b\r\nX-No-Colon\r\n\r\n");
    EXPECT_EQ(section(msg, {}, Text::HeaderFields, {"X-None"}), "\r\n");
}

TEST(MimeSection, HeaderFieldsOfAHeaderWithoutEmptyLine) {
    // As Dovecot once the header is in its cache: a last line cut off by the end of the
    // message gets its line end and no empty line after it ("... except in the case of a
    // message which has no body and no blank line", RFC 3501 section 6.4.5); otherwise
    // HEADER.FIELDS ends with the empty line. HEADER.FIELDS.NOT keeps the header as it was.
    std::string msg = crlf("From: a@b\nSubject: s");
    EXPECT_EQ(section(msg, {}, Text::HeaderFields, {"Subject"}), "Subject: s\r\n");
    EXPECT_EQ(section(msg, {}, Text::HeaderFields, {"From"}), "From: a@b\r\n\r\n");
    EXPECT_EQ(section(msg, {}, Text::HeaderFields, {"X"}), "\r\n");
    EXPECT_EQ(section(msg, {}, Text::HeaderFieldsNot, {"From"}), "Subject: s");
    EXPECT_EQ(section(msg, {}, Text::HeaderFieldsNot, {"From", "Subject"}), "");
    EXPECT_EQ(section(crlf("From: a@b\n"), {}, Text::HeaderFields, {"From"}), "From: a@b\r\n\r\n");
}

TEST(MimeSection, NulBecomes0x80) {
    std::string msg = "Subject: a\0b\r\n\r\nx\0y\r\n"s;
    EXPECT_EQ(section(msg, {}, Text::Text), "x\x80y\r\n");
    EXPECT_EQ(section(msg, {}, Text::HeaderFields, {"subject"}),
              "Subject: a\x80"
              "b\r\n\r\n");
    EXPECT_EQ(section(msg, {}),
              "Subject: a\x80"
              "b\r\n\r\nx\x80y\r\n");
}

}  // namespace
}  // namespace maildex::core::mime
