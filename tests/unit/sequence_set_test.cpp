// core/imap/sequence_set.

#include "core/imap/sequence_set.h"

#include <gtest/gtest.h>

namespace maildex::core {
namespace {

using V = std::vector<std::uint32_t>;

TEST(SequenceSet, ParsesAndRejects) {
    EXPECT_TRUE(SequenceSet::parse("1"));
    EXPECT_TRUE(SequenceSet::parse("1:*,7,9:3"));
    for (const char* bad : {"", "0", "1:", ":2", "1,,2", "a", "1:0", "01", "4294967296", "1 2"})
        EXPECT_FALSE(SequenceSet::parse(bad)) << bad;
}

TEST(SequenceSet, ResolvesSequenceNumbers) {
    V out;
    ASSERT_TRUE(SequenceSet::parse("3:1,2,5:*")->resolveSequence(6, out));
    EXPECT_EQ(out, (V{1, 2, 3, 5, 6}));
    EXPECT_FALSE(SequenceSet::parse("7")->resolveSequence(6, out));
    ASSERT_TRUE(SequenceSet::parse("*")->resolveSequence(6, out));
    EXPECT_EQ(out, V{6});
    EXPECT_FALSE(SequenceSet::parse("1:*")->resolveSequence(0, out));
}

TEST(SequenceSet, ResolvesUids) {
    V uids{2, 5, 9, 12};
    EXPECT_EQ(SequenceSet::parse("1:5")->resolveUids(uids), (V{2, 5}));
    EXPECT_EQ(SequenceSet::parse("10:*")->resolveUids(uids), V{12});
    // "559:*" includes the last message even when 559 is above every UID (RFC 3501 6.4.8).
    EXPECT_EQ(SequenceSet::parse("100:*")->resolveUids(uids), V{12});
    EXPECT_EQ(SequenceSet::parse("13:20")->resolveUids(uids), V{});
    EXPECT_EQ(SequenceSet::parse("9,2,9")->resolveUids(uids), (V{2, 9}));
    EXPECT_EQ(SequenceSet::parse("1:*")->resolveUids({}), V{});
}

TEST(SequenceSet, CompactText) {
    EXPECT_EQ(SequenceSet::fromSorted({1, 2, 3, 5, 7, 8}).toString(), "1:3,5,7:8");
    EXPECT_EQ(SequenceSet::parse("4:*")->toString(), "4:*");
}

}  // namespace
}  // namespace maildex::core
