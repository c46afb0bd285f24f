// index/courier_uiddb: reading Courier's UID file leniently, writing it as Courier does.

#include "index/courier_uiddb.h"

#include <gtest/gtest.h>

#include "tests/support/fixtures.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

TEST(CourierUidDb, ParsesTheFixtureShape) {
    auto db = parseCourierUidDb(
        "1 795308584 24\n"
        "1 1795308553.M21389P4590V000000000000FE00I0000000000A7650D.fixturehost,S=493\n"
        "19 1795308571.M100001P4242.otherhost,S=495,W=508\n"
        "22 1795308584.M51242P5576V000000000000FE00I0000000000A76549.fixturehost,S=492\n");
    ASSERT_TRUE(db);
    EXPECT_EQ(db->uidValidity, 795308584u);
    EXPECT_EQ(db->nextUid, 24u);
    ASSERT_EQ(db->entries.size(), 3u);
    EXPECT_EQ(db->entries[1].first, 19u);
    EXPECT_EQ(db->entries[1].second, "1795308571.M100001P4242.otherhost,S=495,W=508");
}

TEST(CourierUidDb, NextUidIsAboveEveryListedUid) {
    std::vector<std::string> warnings;
    auto db = parseCourierUidDb("1 5 3\n1 a\n2 b\n4 d\n", &warnings);
    ASSERT_TRUE(db);
    EXPECT_EQ(db->nextUid, 5u);
    EXPECT_EQ(warnings.size(), 1u);
}

TEST(CourierUidDb, LenientAboutDamagedLines) {
    std::vector<std::string> warnings;
    auto db = parseCourierUidDb("1 5 10\nnonsense\nx y\n3 c:2,S\n0 zero\n4 last-without-newline",
                                &warnings);
    ASSERT_TRUE(db);
    ASSERT_EQ(db->entries.size(), 2u);
    EXPECT_EQ(db->entries[0].second, "c");  // ":2,S" tail cut
    EXPECT_EQ(db->entries[1].second, "last-without-newline");
    EXPECT_EQ(warnings.size(), 3u);
}

TEST(CourierUidDb, UnusableHeaderMeansNoFile) {
    for (const char* bad : {"", "2 5 10\n", "1 5\n", "1 x 10\n", "garbage\n1 a\n"})
        EXPECT_FALSE(parseCourierUidDb(bad)) << bad;
}

TEST(CourierUidDb, WritesWhatItReads) {
    test::TempMaildir md;
    CourierUidDb db;
    db.uidValidity = 795308584;
    db.nextUid = 8;
    db.entries = {{1, "a,S=1"}, {7, "b"}};
    writeCourierUidDb(md.path(), db);
    auto back = readCourierUidDb(md.path());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->uidValidity, db.uidValidity);
    EXPECT_EQ(back->nextUid, db.nextUid);
    EXPECT_EQ(back->entries, db.entries);
    EXPECT_TRUE(std::filesystem::is_empty(md.path() / "tmp"));
}

TEST(CourierUidDb, FixtureUidsAreWhatCourierReported) {
    test::Fixture fx("courier-small");
    for (const auto& folder : fx.folders()) {
        if (!folder.selectable) continue;
        SCOPED_TRACE(folder.imapName);
        std::vector<std::string> warnings;
        auto db = readCourierUidDb(fx.folderDir(folder), &warnings);
        ASSERT_TRUE(db);
        EXPECT_TRUE(warnings.empty());
        EXPECT_EQ(db->uidValidity, folder.uidValidity);
        EXPECT_EQ(db->nextUid, folder.uidNext);
        auto uids = db->byBase();
        EXPECT_EQ(uids.size(), folder.messages.size());
        for (const auto& m : folder.messages)
            EXPECT_EQ(uids[test::baseOf(m.file)], m.uid) << m.file;
    }
}

}  // namespace
}  // namespace maildex::index
