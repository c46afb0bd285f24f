// core/search/base_subject: RFC 5256 section 2.1, rule by rule.

#include "core/search/base_subject.h"

#include <gtest/gtest.h>

namespace maildex::core::search {
namespace {

struct Case {
    const char* subject;
    const char* base;
    bool replyOrForward;
};

void check(const Case& c) {
    auto b = baseSubject(c.subject);
    EXPECT_EQ(b.text, c.base) << c.subject;
    EXPECT_EQ(b.replyOrForward, c.replyOrForward) << c.subject;
}

TEST(BaseSubject, PlainSubjectsOnlyChangeCase) {
    check({"Hello", "HELLO", false});
    check({"", "", false});
    check({"Reply", "REPLY", false});  // no ":", no subj-refwd
    check({"Re", "RE", false});
    check({"Fwd", "FWD", false});
    check({"Subject: re: x", "SUBJECT: RE: X", false});  // leaders only at the start
}

TEST(BaseSubject, Step1WhitespaceAndEncodedWords) {
    check({"  Multiple\t  spaces   in   subject  ", "MULTIPLE SPACES IN SUBJECT", false});
    check({"=?UTF-8?Q?Re:_=C3=A9t=C3=A9?=", "E\u0301TE\u0301", true});
    check({"Re: =?iso-8859-1?q?caf=E9?=", "CAFE\u0301", true});
    check({"a\r\n\tb", "A B", false});
}

TEST(BaseSubject, Step2Trailers) {
    check({"topic (fwd)", "TOPIC", true});
    check({"topic (Fwd) (FWD)  ", "TOPIC", true});
    check({"topic(fwd)", "TOPIC", true});
    check({"(fwd)", "", true});
    check({"topic (fwd) x", "TOPIC (FWD) X", false});
}

TEST(BaseSubject, Step3Leaders) {
    check({"Re: Hello", "HELLO", true});
    check({"RE: re: Fwd: FW: hello", "HELLO", true});
    check({"Re : hello", "HELLO", true});    // *WSP before ":"
    check({"Re[2]: hello", "HELLO", true});  // [subj-blob] before ":"
    check({"Re [2] : hello", "HELLO", true});
    check({"[list] Re: topic", "TOPIC", true});  // *subj-blob subj-refwd
    check({"[a][b] fwd: topic", "TOPIC", true});
    check({"Re:", "", true});
    check({"re: (fwd)", "", true});
}

TEST(BaseSubject, Step4BlobsWhenSomethingIsLeft) {
    check({"[PATCH] fix", "FIX", false});
    check({"[a] [b] fix", "FIX", false});
    check({"[PATCH]", "[PATCH]", false});  // removing it would leave nothing
    check({"[a] [b]", "[B]", false});
    check({"[unclosed fix", "[UNCLOSED FIX", false});
    check({"[a [b] c", "[A [B] C", false});  // "[" is no BLOBCHAR
}

TEST(BaseSubject, Step5RepeatsLeadersAndBlobs) {
    check({"Re: [list] Re: topic", "TOPIC", true});
    check({"[list] [PATCH] Re: [x] fwd: topic", "TOPIC", true});
}

TEST(BaseSubject, Step6ForwardWrapper) {
    check({"[Fwd: Re: topic]", "TOPIC", true});
    check({"[fwd: [fwd: topic]]", "TOPIC", true});
    check({"Re: [fwd: topic] (fwd)", "TOPIC", true});
    check({"[fwd: topic (fwd)]", "TOPIC", true});  // again from step (2)
    check({"[fwd:]", "", true});
    check({"[fwd: topic", "[FWD: TOPIC", false});
}

TEST(BaseSubject, RepliesToTheSameMessageHaveTheSameBase) {
    auto a = baseSubject("Meeting notes");
    auto b = baseSubject("=?utf-8?b?UmU6IG1lZXRpbmcgTk9URVM=?=");  // "Re: meeting NOTES"
    auto c = baseSubject("Fwd: [team] Meeting   notes (fwd)");
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.text, c.text);
    EXPECT_FALSE(a.replyOrForward);
    EXPECT_TRUE(b.replyOrForward);
}

}  // namespace
}  // namespace maildex::core::search
