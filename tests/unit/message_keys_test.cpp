// core/search/message_keys: the SORT and THREAD keys of one message (RFC 5256 sections
// 2.2 and 3, RFC 5957).

#include "core/search/message_keys.h"

#include <gtest/gtest.h>

#include "core/search/collation.h"

namespace maildex::core::search {
namespace {

KeyValue key(SortKey k, const std::string& header) {
    return computeKey(k, mime::splitHeaderFields(header));
}

TEST(MessageKeys, SentDateIsUtc) {
    // RFC 5256 section 2.2: "31 Dec 2000 16:01:33 -0800" is 1 Jan 2001 00:01:33 UTC.
    EXPECT_EQ(key(SortKey::SentDate, "Date: Sun, 31 Dec 2000 16:01:33 -0800\r\n\r\n").number,
              std::optional<std::int64_t>(978307293));
    EXPECT_EQ(key(SortKey::SentDate, "Date: 1 Jan 2001 00:01:33 +0000 (UTC)\r\n\r\n").number,
              std::optional<std::int64_t>(978307293));
    // Missing or unparsable: no value (the sort then uses INTERNALDATE).
    EXPECT_EQ(key(SortKey::SentDate, "Subject: x\r\n\r\n").number, std::nullopt);
    EXPECT_EQ(key(SortKey::SentDate, "Date: yesterday\r\n\r\n").number, std::nullopt);
    // The first Date field counts.
    EXPECT_EQ(key(SortKey::SentDate,
                  "Date: 1 Jan 2001 00:01:33 +0000\r\nDate: 2 Jan 2001 00:00:00 +0000\r\n\r\n")
                  .number,
              std::optional<std::int64_t>(978307293));
}

TEST(MessageKeys, SubjectIsTheBaseSubjectOfTheFirstField) {
    auto v = key(SortKey::Subject, "Subject: Re: First\r\nSubject: Second\r\n\r\n");
    EXPECT_EQ(v.bytes, "FIRST");
    EXPECT_EQ(v.number, std::optional<std::int64_t>(1));
    v = key(SortKey::Subject, "From: a@b\r\n\r\n");
    EXPECT_EQ(v.bytes, "");
    EXPECT_EQ(v.number, std::optional<std::int64_t>(0));
}

TEST(MessageKeys, AddressKeysAreTheFirstAddrMailbox) {
    const std::string h =
        "From: \"Zed\" <Alice@Example.COM>, bob@example.com\r\n"
        "To: undisclosed-recipients:;\r\n"
        "Cc: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>\r\n\r\n";
    EXPECT_EQ(key(SortKey::From, h).bytes, "ALICE");
    EXPECT_EQ(key(SortKey::To, h).bytes, "UNDISCLOSED-RECIPIENTS");  // the group's name
    EXPECT_EQ(key(SortKey::Cc, h).bytes, "JORG");
    EXPECT_EQ(key(SortKey::Cc, "Subject: x\r\n\r\n").bytes, "");
    EXPECT_EQ(key(SortKey::From, "From: user\r\n\r\n").bytes, "USER");
}

TEST(MessageKeys, DisplayKeysAreTheDecodedNameOrTheAddress) {
    // RFC 5957 section 3.
    EXPECT_EQ(
        key(SortKey::DisplayFrom, "From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>\r\n\r\n").bytes,
        casemapKey("J\u00F6rg"));
    EXPECT_EQ(key(SortKey::DisplayFrom, "From: \"\" <Ann@Example.com>\r\n\r\n").bytes,
              "ANN@EXAMPLE.COM");
    EXPECT_EQ(key(SortKey::DisplayFrom, "From: ann@example.com (Ann Other)\r\n\r\n").bytes,
              "ANN OTHER");
    EXPECT_EQ(key(SortKey::DisplayTo, "To: Bob <b@x>, Carl <c@x>\r\n\r\n").bytes, "BOB");
    EXPECT_EQ(key(SortKey::DisplayTo, "Subject: x\r\n\r\n").bytes, "");
}

TEST(MessageKeys, MessageIdsAreNormalized) {
    // RFC 5256 section 3: these two msg-ids are the same Message ID.
    EXPECT_EQ(messageIds("<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"),
              messageIds("<01KF8JCEOCBS0045PS@xxx.yyy.com>"));
    EXPECT_EQ(messageIds("<01KF8JCEOCBS0045PS@xxx.yyy.com>"),
              std::vector<std::string>{"01KF8JCEOCBS0045PS@xxx.yyy.com"});
    EXPECT_EQ(messageIds(" <a@b>\t<c (comment) @d>,junk <no-at> <\"x y\"@z> <e@[1.2.3.4]>"),
              (std::vector<std::string>{"a@b", "c@d", "x y@z", "e@[1.2.3.4]"}));
    EXPECT_EQ(messageIds("<a@b"), std::vector<std::string>{});
    EXPECT_EQ(messageIds("<broken <a@b>"), std::vector<std::string>{"a@b"});
    EXPECT_EQ(messageIds("<@b> <a@>"), std::vector<std::string>{});
    // Case matters ("Message ID comparisons are case-sensitive").
    EXPECT_NE(messageIds("<A@b>"), messageIds("<a@b>"));
}

TEST(MessageKeys, ReferencesComeFromReferencesElseInReplyTo) {
    auto ids = decodeThreadIds(key(SortKey::ThreadIds,
                                   "Message-ID: <m@x>\r\nReferences: <a@x> <b@x>\r\n"
                                   "In-Reply-To: <c@x>\r\n\r\n")
                                   .bytes);
    EXPECT_EQ(ids.messageId, "m@x");
    EXPECT_EQ(ids.references, (std::vector<std::string>{"a@x", "b@x"}));

    // No valid id in References: the first valid one of In-Reply-To, alone.
    ids = decodeThreadIds(
        key(SortKey::ThreadIds, "References: junk\r\nIn-Reply-To: text <c@x> <d@x>\r\n\r\n").bytes);
    EXPECT_EQ(ids.messageId, "");
    EXPECT_EQ(ids.references, std::vector<std::string>{"c@x"});

    ids = decodeThreadIds(key(SortKey::ThreadIds, "Message-ID: none\r\n\r\n").bytes);
    EXPECT_EQ(ids.messageId, "");
    EXPECT_TRUE(ids.references.empty());
}

}  // namespace
}  // namespace maildex::core::search
