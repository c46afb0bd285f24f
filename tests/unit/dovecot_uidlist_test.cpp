// index/dovecot_uidlist: Dovecot's UID list read leniently, checked against the real
// Dovecot fixture (UIDVALIDITY, UIDNEXT and every message's UID).

#include "index/dovecot_uidlist.h"

#include <gtest/gtest.h>

#include "tests/support/fixtures.h"

namespace maildex::index {
namespace {

TEST(DovecotUidListFixture, UidsAreWhatDovecotReported) {
    test::Fixture fx("dovecot-small");
    size_t checked = 0;
    for (const auto& folder : fx.folders()) {
        SCOPED_TRACE(folder.imapName);
        std::vector<std::string> warnings;
        auto list = readDovecotUidList(fx.folderDir(folder), &warnings);
        ASSERT_TRUE(list);
        EXPECT_TRUE(warnings.empty());
        EXPECT_EQ(list->version, 3u);
        EXPECT_EQ(list->uidValidity, folder.uidValidity);
        EXPECT_EQ(list->nextUid, folder.uidNext);  // N1 in APPEND-filled folders: max rule
        EXPECT_EQ(list->mailboxGuid.size(), 32u);
        auto uids = list->byBase();
        for (const auto& m : folder.messages) {
            EXPECT_EQ(uids[test::baseOf(m.file)], m.uid) << m.file;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 15u);
}

TEST(DovecotUidList, Version3HeaderFieldsInAnyOrder) {
    auto list = parseDovecotUidList(
        "3 N12 Gf160c803ca3d026be1480000498a1f36 X1 V1795309002\n"
        "1 :1795309002.M51348P18657.fixturehost,S=492,W=505\n"
        "7 W515 GAB12 P0001 O3 :b.host,S=502,W=515:2,Sa\n");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->uidValidity, 1795309002u);
    EXPECT_EQ(list->nextUid, 12u);
    EXPECT_EQ(list->mailboxGuid, "f160c803ca3d026be1480000498a1f36");
    EXPECT_EQ(list->headerFields.at('X'), "1");
    ASSERT_EQ(list->entries.size(), 2u);
    const auto& e = list->entries[1];
    EXPECT_EQ(e.uid, 7u);
    EXPECT_EQ(e.fileName, "b.host,S=502,W=515:2,Sa");
    EXPECT_EQ(e.base(), "b.host,S=502,W=515");
    EXPECT_EQ(e.fields, (std::map<char, std::string>{
                            {'W', "515"}, {'G', "AB12"}, {'P', "0001"}, {'O', "3"}}));
}

TEST(DovecotUidList, NextUidTooLowIsRaised) {
    auto list = parseDovecotUidList("3 V5 N1 G00\n1 :a\n2 :b\n9 :c\n");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->nextUid, 10u);
    list = parseDovecotUidList("3 V5 N20\n1 :a\n");
    EXPECT_EQ(list->nextUid, 20u);
}

TEST(DovecotUidList, Version1IsTheCourierLayout) {
    auto list = parseDovecotUidList("1 1795309002 5\n1 a.host\n4 b.host:2,S\n");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->version, 1u);
    EXPECT_EQ(list->uidValidity, 1795309002u);
    EXPECT_EQ(list->nextUid, 5u);
    ASSERT_EQ(list->entries.size(), 2u);
    EXPECT_EQ(list->entries[1].base(), "b.host");
}

TEST(DovecotUidList, UnusableHeaderMeansNoList) {
    for (const char* bad :
         {"", "2 V1 N1\n", "3 N5\n1 :a\n", "1 5\n", "garbage\n1 :a\n", "3 V0 N1\n"})
        EXPECT_FALSE(parseDovecotUidList(bad)) << bad;
}

TEST(DovecotUidList, DamagedLinesAreSkippedWithWarnings) {
    std::vector<std::string> warnings;
    auto list = parseDovecotUidList(
        "3 V5\n"  // no N: taken from the UIDs
        "1 :a\n"
        "x :bad-uid\n"
        "0 :zero\n"
        "2 W1 S2\n"  // no ':<file name>'
        "3 w1 :c\n"  // lowercase key: field dropped
        "4 :dir/escape\n"
        "6 :f\n"
        "5 :e\n"      // out of order: sorted
        "5 :again\n"  // repeated UID: first kept
        "8 :a\n"      // a listed again: the later UID wins
        "9 :last-without-newline",
        &warnings);
    ASSERT_TRUE(list);
    std::vector<std::uint32_t> uids;
    for (const auto& e : list->entries)
        uids.push_back(e.uid);
    EXPECT_EQ(uids, (std::vector<std::uint32_t>{3, 5, 6, 8, 9}));
    EXPECT_EQ(list->byBase().at("a"), 8u);
    EXPECT_TRUE(list->entries[0].fields.empty());
    EXPECT_EQ(list->nextUid, 10u);
    EXPECT_EQ(warnings.size(), 9u);
}

}  // namespace
}  // namespace maildex::index
