// index/migrate_courier and index/migrate_dovecot: the real fixtures migrated and read
// back through the index (the integration tests read them over IMAP), plus the cases a
// migration must survive.

#include "index/migrate_courier.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "index/courier_keywords.h"
#include "index/courier_subscriptions.h"
#include "index/courier_uiddb.h"
#include "index/keyword_table.h"
#include "index/mailbox_view.h"
#include "index/maildir_settings.h"
#include "index/mailstore.h"
#include "index/migrate_dovecot.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> systemFlagNames(SystemFlags f) {
    std::vector<std::string> out;
    if (f & flag::Answered) out.push_back("\\Answered");
    if (f & flag::Deleted) out.push_back("\\Deleted");
    if (f & flag::Draft) out.push_back("\\Draft");
    if (f & flag::Flagged) out.push_back("\\Flagged");
    if (f & flag::Seen) out.push_back("\\Seen");
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

// Every selectable folder of the fixture, as the index holds it after the migration.
void expectLikeTheOldServer(const test::Fixture& fx, Mailstore& store) {
    for (const auto& f : fx.folders()) {
        if (!f.selectable) continue;
        std::string folder = f.dir == "." ? "" : f.dir.substr(1);
        SCOPED_TRACE(f.imapName);
        auto dir = store.folder(folder);
        EXPECT_EQ(dir->uidValidity(), f.uidValidity);
        EXPECT_EQ(dir->uidNext(), f.uidNext);
        auto view = dir->open(false);
        std::vector<std::uint32_t> uids;
        for (const auto& m : f.messages)
            uids.push_back(m.uid);
        EXPECT_EQ(view->uids(), uids);
        if (view->uids() != uids) continue;
        auto meta = view->meta(uids);
        for (size_t i = 0; i < uids.size(); ++i) {
            EXPECT_EQ(systemFlagNames(meta[i].flags), sorted(f.messages[i].flags)) << uids[i];
            EXPECT_EQ(sorted(dir->keywordNames(meta[i].keywords)), sorted(f.messages[i].keywords))
                << uids[i];
        }
    }
}

TEST(MigrateCourier, TheFixtureKeepsEverythingCourierReported) {
    test::Fixture fx("courier-small");
    MigrationOptions o;
    o.maildir = fx.maildir();
    std::size_t calls = 0;
    o.progress = [&](std::size_t done, std::size_t total, std::size_t) {
        ++calls;
        EXPECT_LE(done, total);
    };
    auto r = migrateCourier(o);
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
    EXPECT_EQ(r.folders.size(), 12u);
    EXPECT_EQ(calls, 12u);
    EXPECT_EQ(r.messageCount(), 37u);
    EXPECT_FALSE(r.mutf7Names);
    EXPECT_EQ(r.quota, "50000000S,5000C");
    auto store = Mailstore::open({fx.maildir(), {}});
    expectLikeTheOldServer(fx, *store);
    auto subs = store->subscriptions();
    EXPECT_EQ(std::set<std::string>(subs.begin(), subs.end()),
              (std::set<std::string>{"", "日本語", "Archive", "Entwürfe", "Rename Me", "Renamed",
                                     "Sent", "Trash"}));
    EXPECT_EQ(store->setting(kNamespacePrefixSetting), "INBOX.");
    EXPECT_EQ(store->setting(kFolderNamesMutf7Setting), "0");
}

TEST(MigrateCourier, ADryRunPlansAndWritesNothing) {
    test::Fixture fx("courier-small");
    MigrationOptions o;
    o.maildir = fx.maildir();
    o.dryRun = true;
    auto r = migrateCourier(o);
    EXPECT_TRUE(r.dryRun);
    ASSERT_EQ(r.folders.size(), 12u);
    EXPECT_EQ(r.folders[0].folder, "");
    EXPECT_EQ(r.folders[0].uidValidity, 795308584u);
    EXPECT_EQ(r.folders[0].uidNext, 24u);
    EXPECT_EQ(r.folders[0].keptUids, 18u);
    EXPECT_FALSE(fs::exists(fx.maildir() / "maildex.sqlite"));
    EXPECT_FALSE(fs::exists(fx.maildir() / kMaildirSettingsFile));
}

TEST(MigrateCourier, DamagedFilesAreWarningsNamingTheFile) {
    test::TempMaildir md;
    auto a = md.deliver("", "Subject: a\n\n", false, "S", 1700000001);
    auto b = md.deliver("", "Subject: b\n\n", true, "", 1700000002);
    std::string baseA = a.substr(0, a.find(':'));
    std::ofstream(md.path() / "courierimapuiddb") << "1 99 2\ngarbage\n1 " << baseA;
    fs::create_directories(md.path() / "courierimapkeywords");
    std::ofstream(md.path() / "courierimapkeywords" / ":list") << "K\n\n"
                                                               << baseA << ":0 5\nnot a line";
    MigrationOptions o;
    o.maildir = md.path();
    auto r = migrateCourier(o);
    ASSERT_EQ(r.warnings.size(), 3u);
    EXPECT_NE(r.warnings[0].find((md.path() / "courierimapuiddb").string() + ": line 2"),
              std::string::npos)
        << r.warnings[0];
    EXPECT_TRUE(r.errors.empty());
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    EXPECT_EQ(inbox->uids(), (std::vector<std::uint32_t>{1, 2}));  // b numbered after a
    EXPECT_EQ(inbox->uidValidity(), 99u);
    auto view = inbox->open(false);
    EXPECT_EQ(inbox->keywordNames(view->meta({1})[0].keywords), (std::vector<std::string>{"K"}));
    // The damaged files were written again, whole.
    auto db = readCourierUidDb(md.path());
    ASSERT_TRUE(db);
    EXPECT_EQ(db->entries.size(), 2u);
}

TEST(MigrateCourier, AnEarlierIndexIsRebuiltFromCourierFiles) {
    test::Fixture fx("courier-small");
    MigrationOptions o;
    o.maildir = fx.maildir();
    migrateCourier(o);
    {
        // Courier took the Maildir back and changed INBOX's keywords meanwhile.
        std::ofstream(fx.maildir() / "courierimapkeywords" /
                      "1795308553.M21389P4590V000000000000FE00I0000000000A7650D.fixturehost,S=493")
            << "BackOnCourier\n";
    }
    auto r = migrateCourier(o);
    EXPECT_TRUE(r.replacedIndex);
    EXPECT_TRUE(r.errors.empty());
    auto inbox = Mailstore::open({fx.maildir(), {}})->folder("");
    auto view = inbox->open(false);
    EXPECT_EQ(inbox->keywordNames(view->meta({1})[0].keywords),
              (std::vector<std::string>{"BackOnCourier"}));
}

TEST(MigrateDovecot, TheFixtureKeepsEverythingDovecotReported) {
    test::Fixture fx("dovecot-small");
    DovecotMigrationOptions o;
    o.maildir = fx.maildir();
    auto r = migrateDovecot(o);
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
    EXPECT_TRUE(r.mutf7Names);
    EXPECT_EQ(r.prefix, "");
    EXPECT_EQ(r.subscriptions, 6u);
    auto store = Mailstore::open({fx.maildir(), {}});
    expectLikeTheOldServer(fx, *store);
    EXPECT_EQ(store->setting(kNamespacePrefixSetting, "INBOX."), "");
    EXPECT_EQ(store->setting(kFolderNamesMutf7Setting), "1");
    EXPECT_EQ(
        readCourierSubscriptions(fx.maildir()),
        (std::vector<std::string>{"INBOX.Sent", "INBOX.Drafts", "INBOX.Trash", "INBOX.Archive",
                                  "INBOX.Archive.2024", "INBOX.Entw&APw-rfe"}));
    // Dovecot's files are untouched; the Courier-format ones are Maildex's.
    EXPECT_TRUE(fs::exists(fx.maildir() / ".Archive" / "courierimapuiddb"));
    EXPECT_TRUE(fs::exists(fx.maildir() / ".Archive" / "dovecot-uidlist"));
}

TEST(MigrateDovecot, PrefixInboxIsDetectedFromSubscriptions) {
    test::TempMaildir md;
    md.makeFolder("Sent");
    std::ofstream(md.path() / "subscriptions") << "V\t2\n\nINBOX\tSent\nINBOX\n";
    DovecotMigrationOptions o;
    o.maildir = md.path();
    o.dryRun = true;
    auto r = migrateDovecot(o);
    EXPECT_EQ(r.prefix, "INBOX.");
    EXPECT_EQ(r.subscriptions, 2u);
    o.prefix = "";
    EXPECT_EQ(migrateDovecot(o).prefix, "");
}

TEST(MigrateDovecot, UnnamedKeywordLettersAndStaleCourierFilesAreReported) {
    test::TempMaildir md;
    md.deliver("", "Subject: a\n\n", false, "Sb", 1700000001);
    std::ofstream(md.path() / "dovecot-keywords") << "0 $Label1\n";
    std::ofstream(md.path() / "courierimapuiddb") << "1 5 9\n3 old\n";
    DovecotMigrationOptions o;
    o.maildir = md.path();
    auto r = migrateDovecot(o);
    ASSERT_EQ(r.warnings.size(), 2u);
    EXPECT_NE(r.warnings[0].find("keyword letter 'b'"), std::string::npos) << r.warnings[0];
    EXPECT_NE(r.warnings[1].find("courierimapuiddb: removed"), std::string::npos);
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    auto view = inbox->open(false);
    EXPECT_EQ(inbox->keywordNames(view->meta({1})[0].keywords),
              (std::vector<std::string>{"unknown-1"}));
}

TEST(MigrationEncoding, ChoosesFromTheDirectoryNames) {
    std::string why;
    EXPECT_EQ(chooseFolderNameEncoding({"", "Sent"}, FolderNameEncoding::Utf8, why),
              FolderNameEncoding::Utf8);
    EXPECT_EQ(chooseFolderNameEncoding({"Entw&APw-rfe"}, FolderNameEncoding::Utf8, why),
              FolderNameEncoding::Mutf7);
    EXPECT_EQ(chooseFolderNameEncoding({"Entw&APw-rfe", "Grüße"}, FolderNameEncoding::Mutf7, why),
              FolderNameEncoding::Utf8);
    EXPECT_NE(why.find(".Entw&APw-rfe"), std::string::npos);
    EXPECT_EQ(chooseFolderNameEncoding({"Work & Play"}, FolderNameEncoding::Mutf7, why),
              FolderNameEncoding::Utf8);
    EXPECT_EQ(chooseFolderNameEncoding({"Sent"}, FolderNameEncoding::Mutf7, why),
              FolderNameEncoding::Mutf7);
}

}  // namespace
}  // namespace maildex::index
