// core/search/thread: ORDEREDSUBJECT and REFERENCES (RFC 5256 section 3) and the THREAD
// response (section 4).

#include "core/search/thread.h"

#include <gtest/gtest.h>

#include <chrono>

#include "core/search/base_subject.h"

namespace maildex::core::search {
namespace {

ThreadMessage msg(std::uint32_t number, std::int64_t date, const std::string& subject,
                  const std::string& id = "", std::vector<std::string> refs = {}) {
    ThreadMessage m;
    m.number = number;
    m.sentDate = date;
    auto base = baseSubject(subject);
    m.subject = base.text;
    m.replyOrForward = base.replyOrForward;
    m.messageId = id;
    m.references = std::move(refs);
    return m;
}

std::string written(const ThreadTree& tree) {
    std::string out;
    ResponseWriter w(out);
    w.untagged().atom("THREAD");
    writeThreads(w, tree);
    w.end();
    return out.substr(0, out.size() - 2);
}

std::string references(const std::vector<ThreadMessage>& m) {
    return written(threadReferences(m));
}

std::string orderedSubject(const std::vector<ThreadMessage>& m) {
    return written(threadOrderedSubject(m));
}

TEST(Thread, ResponseOfTheRfcGrammarExample) {
    // "* THREAD (2)(3 6 (4 23)(44 7 96))" (section 4): 3 has the one child 6, which has
    // two: 4 (with child 23) and 44 (with child 7, with child 96).
    std::vector<ThreadMessage> m{
        msg(2, 100, "lone", "2@x"),
        msg(3, 200, "topic", "3@x"),
        msg(4, 400, "Re: topic", "4@x", {"3@x", "6@x"}),
        msg(6, 300, "Re: topic", "6@x", {"3@x"}),
        msg(7, 600, "Re: topic", "7@x", {"3@x", "6@x", "44@x"}),
        msg(23, 450, "Re: topic", "23@x", {"3@x", "6@x", "4@x"}),
        msg(44, 500, "Re: topic", "44@x", {"3@x", "6@x"}),
        msg(96, 700, "Re: topic", "96@x", {"3@x", "6@x", "44@x", "7@x"}),
    };
    EXPECT_EQ(references(m), "* THREAD (2)(3 6 (4 23)(44 7 96))");
}

TEST(Thread, EmptyAndSingle) {
    EXPECT_EQ(references({}), "* THREAD");
    EXPECT_EQ(orderedSubject({}), "* THREAD");
    EXPECT_EQ(references({msg(1, 0, "x")}), "* THREAD (1)");
}

TEST(Thread, OrderedSubject) {
    // Second message a child of the first, later ones its siblings; threads by the date
    // of their first message.
    std::vector<ThreadMessage> m{
        msg(1, 50, "Re: b"),  msg(2, 10, "a"),     msg(3, 40, "B"),
        msg(4, 30, "Fwd: a"), msg(5, 20, "re: A"), msg(6, 60, "c"),
    };
    EXPECT_EQ(orderedSubject(m), "* THREAD (2 (5)(4))(3 1)(6)");
}

TEST(Thread, OrderedSubjectTiesByMailboxOrder) {
    std::vector<ThreadMessage> m{msg(1, 10, "x"), msg(2, 10, "y"), msg(3, 10, "x")};
    EXPECT_EQ(orderedSubject(m), "* THREAD (1 3)(2)");
}

TEST(Thread, ReferencesOrderByDateThenMailboxOrder) {
    std::vector<ThreadMessage> m{
        msg(1, 30, "a", "1@x"),
        msg(2, 10, "b", "2@x"),
        msg(3, 10, "c", "3@x"),
        msg(4, 5, "Re: a", "4@x", {"1@x"}),
        msg(5, 1, "Re: a", "5@x", {"1@x"}),
    };
    EXPECT_EQ(references(m), "* THREAD (2)(3)(1 (5)(4))");
}

TEST(Thread, DummyParentsKeepSiblingsTogether) {
    // Replies to a message that is not there: a dummy with two children stays (as a
    // list of lists); with one child, the child takes its place.
    std::vector<ThreadMessage> m{
        msg(1, 10, "x", "1@x", {"gone@x"}),
        msg(2, 20, "y", "2@x", {"gone@x"}),
        msg(3, 30, "z", "3@x", {"other-gone@x"}),
    };
    EXPECT_EQ(references(m), "* THREAD ((1)(2))(3)");
}

TEST(Thread, DummiesInsideAThreadAreRemoved) {
    // 1 <- (missing a) <- (missing b) <- 2: the chain of dummies goes, 2 is 1's child.
    std::vector<ThreadMessage> m{
        msg(1, 10, "x", "1@x"),
        msg(2, 20, "Re: x", "2@x", {"1@x", "a@x", "b@x"}),
        msg(3, 30, "Re: x", "3@x", {"1@x", "a@x"}),
    };
    EXPECT_EQ(references(m), "* THREAD (1 (2)(3))");
    // Two missing ancestors at the top with one message under them.
    EXPECT_EQ(references({msg(1, 10, "x", "1@x", {"a@x", "b@x"})}), "* THREAD (1)");
}

TEST(Thread, MissingAndDuplicateMessageIds) {
    std::vector<ThreadMessage> m{
        msg(1, 10, "p", "p@x"),
        msg(2, 20, "q", "p@x"),            // duplicate: gets an id of its own
        msg(3, 30, "Re: p", "", {"p@x"}),  // no id: still a child
        msg(4, 40, "Re: p", "", {"p@x"}),
        msg(5, 50, "Re: q", "5@x", {"p@x"}),  // replies go to the first p@x
    };
    EXPECT_EQ(references(m), "* THREAD (1 (3)(4)(5))(2)");
}

TEST(Thread, LoopsInReferencesAreNotFollowed) {
    std::vector<ThreadMessage> m{
        msg(1, 10, "a", "a@x", {"b@x"}),
        msg(2, 20, "b", "b@x", {"a@x"}),  // b's parent would be its own child
        msg(3, 30, "c", "c@x", {"c@x"}),  // refers to itself
        msg(4, 40, "d", "d@x", {"e@x", "d@x", "e@x"}),
    };
    auto out = references(m);
    EXPECT_EQ(out, "* THREAD (2 1)(3)(4)");
}

TEST(Thread, LastReferenceWinsOverAnEarlierTruncatedOne) {
    // 3's References (cut by a mailer) made 2 the parent of 4 through 1.A; 4's own
    // References say 1: the parent is replaced (1.B).
    std::vector<ThreadMessage> m{
        msg(1, 10, "t", "1@x"),
        msg(2, 20, "Re: t", "2@x", {"1@x"}),
        msg(3, 30, "Re: t", "3@x", {"2@x", "4@x"}),
        msg(4, 25, "Re: t", "4@x", {"1@x"}),
    };
    EXPECT_EQ(references(m), "* THREAD (1 (2)(4 3))");
    // A message before its references: the dummy it made becomes the message.
    std::vector<ThreadMessage> late{
        msg(1, 20, "Re: t", "r@x", {"t@x"}),
        msg(2, 10, "t", "t@x"),
    };
    EXPECT_EQ(references(late), "* THREAD (2 1)");
}

TEST(Thread, SubjectsJoinThreads) {
    // 5.C: a reply without references joins the original; two originals get a dummy.
    std::vector<ThreadMessage> m{
        msg(1, 10, "Hello", "1@x"), msg(2, 20, "Re: hello", "2@x"), msg(3, 30, "hello", "3@x"),
        msg(4, 40, "other", "4@x"), msg(5, 50, "", "5@x"),          msg(6, 60, "", "6@x"),
    };
    EXPECT_EQ(references(m), "* THREAD ((1 2)(3))(4)(5)(6)");
    // The reply is the only one: stays apart when its original is not there.
    EXPECT_EQ(references({msg(1, 10, "Re: x", "1@x"), msg(2, 20, "Re: x", "2@x")}),
              "* THREAD ((1)(2))");
    // A non-reply that comes later takes the reply in.
    EXPECT_EQ(references({msg(1, 10, "Re: x", "1@x"), msg(2, 20, "x", "2@x")}), "* THREAD (2 1)");
    // Dummies with the same subject merge their children.
    std::vector<ThreadMessage> d{
        msg(1, 10, "Re: y", "1@x", {"a@x"}),
        msg(2, 20, "Re: y", "2@x", {"a@x"}),
        msg(3, 30, "Re: y", "3@x", {"b@x"}),
        msg(4, 40, "Re: y", "4@x", {"b@x"}),
    };
    EXPECT_EQ(references(d), "* THREAD ((1)(2)(3)(4))");
}

TEST(Thread, DeepChainsNeedNoRecursion) {
    // A reply chain as deep as a large folder: linear work, no stack overflow.
    std::vector<ThreadMessage> m;
    const std::uint32_t n = 100000;
    for (std::uint32_t i = 1; i <= n; ++i)
        m.push_back(msg(i, i, "Re: deep", std::to_string(i) + "@x",
                        i > 1 ? std::vector<std::string>{std::to_string(i - 1) + "@x"}
                              : std::vector<std::string>{}));
    m[0] = msg(1, 1, "deep", "1@x");
    auto start = std::chrono::steady_clock::now();
    std::string out = references(m);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::seconds(5));
    std::string expected = "* THREAD (1";
    for (std::uint32_t i = 2; i <= n; ++i)
        expected += " " + std::to_string(i);
    EXPECT_EQ(out, expected + ")");
}

}  // namespace
}  // namespace maildex::core::search
