// index/folder_rebuild: the index of a folder made again from its Courier-format files,
// with a view open (what `reindex --force` does while a server runs).

#include "index/folder_rebuild.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>

#include "index/courier_keywords.h"
#include "index/courier_uiddb.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::uint32_t>;

// Changes rows behind the process's back, as damage would (no new mod-sequence).
void damage(const fs::path& maildir, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((maildir / "maildex.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_free(err);
    sqlite3_close(db);
}

ino_t inode(const fs::path& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

struct FolderRebuildTest : ::testing::Test {
    test::TempMaildir md;
    std::shared_ptr<Mailstore> store;
    std::shared_ptr<Folder> inbox;

    void SetUp() override {
        for (int i = 0; i < 4; ++i)
            md.deliver("", "Subject: " + std::to_string(i) + "\n\n", false, i % 2 ? "S" : "",
                       1700000000 + i);
        store = Mailstore::open({md.path(), {}});
        inbox = store->folder("");
        FlagChange kw;
        kw.keywords = {"$Label1", "Junk"};
        inbox->store({2, 3}, kw);
    }

    std::vector<std::string> keywordsOf(MailboxView& view, std::uint32_t uid) {
        return inbox->keywordNames(view.meta({uid})[0].keywords);
    }
};

TEST_F(FolderRebuildTest, LostKeywordsAndFlagsComeBackAsOrdinaryChanges) {
    std::mutex mu;
    std::vector<ChangeEvent> seen;
    auto view = inbox->open(true, [&](const ChangeEvent& e) {
        std::lock_guard l(mu);
        seen.push_back(e);
    });
    damage(md.path(),
           "UPDATE message SET keywords='' WHERE uid=2; "
           "UPDATE message SET flags=0 WHERE uid=4");
    auto r = inbox->rebuild({});
    EXPECT_EQ(r.changed, 2u);
    EXPECT_EQ(r.added + r.removed + r.reassigned, 0u);
    EXPECT_FALSE(r.uidValidityChanged);
    auto update = view->sync(true);
    EXPECT_EQ(update.changedUids, (V{2, 4}));
    EXPECT_FALSE(update.reset);
    EXPECT_EQ(keywordsOf(*view, 2), (std::vector<std::string>{"$Label1", "Junk"}));
    EXPECT_EQ(view->meta({4})[0].flags, flag::Seen);
    std::lock_guard l(mu);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().kind, ChangeEvent::Kind::FlagsChanged);
}

TEST_F(FolderRebuildTest, CorrectCourierFilesAreLeftAlone) {
    inbox->writeMirrors();
    auto uiddb = inode(md.path() / "courierimapuiddb");
    auto list = inode(md.path() / "courierimapkeywords" / ":list");
    ASSERT_NE(list, 0u);
    auto r = inbox->rebuild({});
    EXPECT_FALSE(r.uidDbRewritten);
    EXPECT_FALSE(r.keywordsRewritten);
    EXPECT_EQ(inode(md.path() / "courierimapuiddb"), uiddb);
    EXPECT_EQ(inode(md.path() / "courierimapkeywords" / ":list"), list);
}

TEST_F(FolderRebuildTest, AnotherUidValidityInTheMirrorRenumbersAndResetsViews) {
    auto view = inbox->open(false);
    auto db = *readCourierUidDb(md.path());
    db.uidValidity += 1000;
    writeCourierUidDb(md.path(), db);
    auto r = inbox->rebuild({});
    EXPECT_TRUE(r.uidValidityChanged);
    EXPECT_EQ(inbox->uidValidity(), db.uidValidity);
    EXPECT_EQ(inbox->uids(), (V{1, 2, 3, 4}));
    EXPECT_TRUE(view->isReset());
    auto fresh = inbox->open(false);
    EXPECT_EQ(keywordsOf(*fresh, 3), (std::vector<std::string>{"$Label1", "Junk"}));
}

TEST_F(FolderRebuildTest, TheMirrorDecidesAUidTheIndexGaveToAnotherFile) {
    auto db = *readCourierUidDb(md.path());
    ASSERT_EQ(db.entries.size(), 4u);
    std::swap(db.entries[2].second, db.entries[3].second);  // UIDs 3 and 4 trade files
    writeCourierUidDb(md.path(), db);
    auto r = inbox->rebuild({});
    EXPECT_EQ(r.reassigned, 2u);
    EXPECT_EQ(inbox->uids(), (V{1, 2, 3, 4}));
    auto view = inbox->open(false);
    // UID 3 is now the file that was UID 4 (Seen, no keywords).
    EXPECT_EQ(view->meta({3})[0].flags, flag::Seen);
}

TEST_F(FolderRebuildTest, AMissingKeywordMirrorKeepsTheIndexKeywords) {
    fs::remove_all(md.path() / "courierimapkeywords");
    auto r = inbox->rebuild({});
    EXPECT_EQ(r.changed, 0u);
    auto view = inbox->open(false);
    EXPECT_EQ(keywordsOf(*view, 2), (std::vector<std::string>{"$Label1", "Junk"}));
    // ... and the mirror has them again (written by the rebuild, or by the watcher's
    // rescan when it noticed the directory go).
    auto back = readCourierKeywords(md.path());
    EXPECT_EQ(back.byBase.size(), 2u);
}

TEST_F(FolderRebuildTest, FilesDecideWhichMessagesExist) {
    auto db = *readCourierUidDb(md.path());
    fs::path gone;
    for (const auto& e : fs::directory_iterator(md.path() / "cur"))
        if (e.path().filename().string().rfind(db.entries[0].second, 0) == 0) gone = e.path();
    fs::remove(gone);
    md.deliver("", "Subject: new\n\n", true, "", 1600000000);
    auto r = inbox->rebuild({});
    EXPECT_EQ(inbox->uids(), (V{2, 3, 4, 5}));
    EXPECT_EQ(inbox->uidNext(), 6u);
    (void)r;  // the watcher may have seen the changes first; the end state is what counts
}

TEST_F(FolderRebuildTest, ClearRecentLeavesNothingRecent) {
    md.deliver("", "Subject: new\n\n", true);
    inbox->rebuild({true});
    auto view = inbox->open(true);
    EXPECT_EQ(view->recentCount(), 0u);
}

}  // namespace
}  // namespace maildex::index
