// index/dovecot_subscriptions: Dovecot's subscription file, checked against the real
// Dovecot fixture's LSUB answer.

#include "index/dovecot_subscriptions.h"

#include <gtest/gtest.h>

#include "tests/support/fixtures.h"

namespace maildex::index {
namespace {

std::string join(const DovecotMailboxName& levels, char sep) {
    std::string out;
    for (const auto& l : levels)
        out += (out.empty() ? "" : std::string(1, sep)) + l;
    return out;
}

TEST(DovecotSubscriptionsFixture, SameNamesAsLsub) {
    test::Fixture fx("dovecot-small");
    std::vector<std::string> warnings;
    auto names = readDovecotSubscriptions(fx.maildir(), '.', &warnings);
    EXPECT_TRUE(warnings.empty());
    std::vector<std::string> joined;
    for (const auto& n : names)
        joined.push_back(join(n, '.'));
    EXPECT_EQ(joined, fx.strings("lsub"));
    EXPECT_EQ(names[4], (DovecotMailboxName{"Archive", "2024"}));
}

TEST(DovecotSubscriptions, TabEscapesInsideLevels) {
    auto names = parseDovecotSubscriptions("V\t2\n\nA\001tB\tC\0011\001n\nD.E\n");
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[0], (DovecotMailboxName{"A\tB", "C\001\n"}));
    EXPECT_EQ(names[1], DovecotMailboxName{"D.E"});  // '.' is not special in version 2
}

TEST(DovecotSubscriptions, Version1UsesTheRealSeparator) {
    EXPECT_EQ(parseDovecotSubscriptions("Archive.2024\nSent\n"),
              (std::vector<DovecotMailboxName>{{"Archive", "2024"}, {"Sent"}}));
    EXPECT_EQ(parseDovecotSubscriptions("Archive/2024\n", '/'),
              (std::vector<DovecotMailboxName>{{"Archive", "2024"}}));
}

TEST(DovecotSubscriptions, OddLinesAreReported) {
    std::vector<std::string> warnings;
    auto names = parseDovecotSubscriptions("V\t3\nSent\nSent\n\nTrash", '.', &warnings);
    EXPECT_EQ(names, (std::vector<DovecotMailboxName>{{"Sent"}, {"Trash"}}));
    EXPECT_EQ(warnings.size(), 2u);
    EXPECT_TRUE(parseDovecotSubscriptions("V\t2\n\n").empty());
    EXPECT_TRUE(parseDovecotSubscriptions("").empty());
}

}  // namespace
}  // namespace maildex::index
