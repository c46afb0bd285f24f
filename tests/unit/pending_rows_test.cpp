// A large folder's first index commits its rows as one pending value and inserts them
// afterwards (index/pending_rows.h). Another process (index_helper) makes the first index
// and dies at a crash point, so the pending state can be looked at: every process must
// see the messages, with their flags and keywords, and the first writer inserts the rows.

#include "index/pending_rows.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <mutex>

#include "index/background.h"
#include "index/check.h"
#include "index/error.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "index/watcher.h"
#include "tests/support/process.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::uint32_t>;

std::int64_t count(const fs::path& maildir, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((maildir / "maildex.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    std::int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

V range(std::uint32_t first, std::uint32_t last) {
    V v;
    for (auto u = first; u <= last; ++u)
        v.push_back(u);
    return v;
}

struct PendingRowsTest : ::testing::Test {
    test::TempMaildir md;

    // n messages in cur/, every third unseen. The directories' mtimes are set an hour
    // back: a scan does not trust an mtime younger than 2 s, and would scan again.
    void deliver(int n) {
        for (int i = 0; i < n; ++i)
            md.deliver("", "Subject: " + std::to_string(i) + "\n\nx\n", false, i % 3 ? "S" : "",
                       1700000000 + i);
        struct timespec old[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
        for (const char* sub : {"cur", "new"})
            ::utimensat(AT_FDCWD, (md.path() / sub).c_str(), old, 0);
    }
    // Another process indexes INBOX for the first time and dies at `point`.
    void firstIndexDiesAt(const std::string& point) {
        ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "--pending-rows-from", "5",
                             "--crash-at", point, "dump", "INBOX"}),
                  86);
    }
    std::shared_ptr<Mailstore> open() { return Mailstore::open({md.path(), {}}); }
};

TEST(PendingRowsCodec, RowsComeBackAsTheyWent) {
    std::vector<MessageRow> rows(3);
    rows[0] = {7, "1700000000.M1P2.host,S=12", false, "2,FS", 6, "1 4", 0, {}, 12, {}};
    rows[1] = {8, "1700000001.M2P2.host", true, std::nullopt, 0, "", 0, {}, {}, {}};
    rows[2] = {9, "1700000002.M3P2.host,S=5,W=7", false, "2,", 0, "", 0, {}, 5, 7};
    auto back = decodePendingRows(encodePendingRows(rows), 42);
    ASSERT_EQ(back.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(back[i].uid, rows[i].uid);
        EXPECT_EQ(back[i].base, rows[i].base);
        EXPECT_EQ(back[i].inNew, rows[i].inNew);
        EXPECT_EQ(back[i].info, rows[i].info);
        EXPECT_EQ(back[i].flags, rows[i].flags);
        EXPECT_EQ(back[i].keywords, rows[i].keywords);
        EXPECT_EQ(back[i].modseq, 42u);
        EXPECT_EQ(back[i].size, rows[i].size);  // from the name, as a scan computes it
        EXPECT_EQ(back[i].vsize, rows[i].vsize);
    }
    auto data = encodePendingRows(rows);
    EXPECT_THROW(decodePendingRows(data.substr(0, data.size() - 1), 1), Error);
}

TEST_F(PendingRowsTest, AnotherProcessSeesPendingMessagesAndAWriterInsertsThem) {
    deliver(12);
    firstIndexDiesAt("pending-rows-before-insert");
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 0);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 1);

    auto store = open();
    auto inbox = store->folder("");
    EXPECT_EQ(inbox->uids(), range(1, 12));
    EXPECT_EQ(inbox->uidNext(), 13u);
    EXPECT_EQ(inbox->uidsWithout(flag::Seen), (V{1, 4, 7, 10}));
    // Files are found without their rows.
    auto paths = inbox->lastKnownPaths({2, 12, 13});
    ASSERT_TRUE(paths[0] && paths[1]);
    EXPECT_TRUE(fs::exists(*paths[0]));
    EXPECT_FALSE(paths[2]);
    EXPECT_TRUE(fs::exists(inbox->file(5).path));
    EXPECT_TRUE(checkMaildir({md.path(), {}, {}}).differences.empty());

    // The first writer inserts every pending row, then does its work.
    inbox->store({3}, FlagChange{StoreMode::Add, flag::Flagged, {"$Work"}, {}});
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 12);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 0);
    EXPECT_EQ(count(md.path(), "SELECT flags FROM message WHERE uid=3"),
              flag::Seen | flag::Flagged);
    EXPECT_TRUE(checkMaildir({md.path(), {}, {}}).differences.empty());
    EXPECT_EQ(inbox->uids(), range(1, 12));
}

TEST_F(PendingRowsTest, AnOpenFolderIsToldOfPendingMessages) {
    auto store = open();
    auto inbox = store->folder("");
    std::mutex mu;
    std::vector<ChangeEvent> seen;
    auto view = inbox->open(false, [&](const ChangeEvent& e) {
        std::lock_guard l(mu);
        seen.push_back(e);
    });
    ASSERT_TRUE(inbox->uids().empty());
    // Our own watcher would number the new files first.
    Watcher::instance().pauseForTest(true);
    deliver(8);
    firstIndexDiesAt("pending-rows-before-insert");
    inbox->catchUp();
    Watcher::instance().pauseForTest(false);
    EXPECT_EQ(inbox->uids(), range(1, 8));
    std::lock_guard l(mu);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, ChangeEvent::Kind::Added);
    EXPECT_EQ(seen[0].uids, range(1, 8));
}

// Rows are inserted a chunk (1,024) per transaction; a process that dies between two
// leaves some rows inserted and the rest pending, and nothing counted twice.
TEST_F(PendingRowsTest, AnInsertCutShortBetweenChunksLosesNothing) {
    deliver(1500);
    firstIndexDiesAt("pending-rows-after-chunk");
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 1024);
    EXPECT_EQ(count(md.path(), "SELECT done_below FROM pending_rows"), 1025);
    auto store = open();
    auto inbox = store->folder("");
    EXPECT_EQ(inbox->uids(), range(1, 1500));
    EXPECT_EQ(inbox->uidsWithout(flag::Seen).size(), 500u);
    inbox->insertPendingRows();
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 1500);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 0);
    EXPECT_TRUE(checkMaildir({md.path(), {}, {}}).differences.empty());
}

// A lost index is rebuilt from courierimapuiddb and courierimapkeywords/ the same way
// when its rows are pending.
TEST_F(PendingRowsTest, ARebuiltIndexKeepsUidsAndKeywordsThroughPendingRows) {
    deliver(10);
    std::uint32_t validity;
    {
        auto inbox = open()->folder("");
        inbox->store({4, 9}, FlagChange{StoreMode::Add, flag::Answered, {"$Label1", "Later"}, {}});
        validity = inbox->uidValidity();
    }
    for (const char* f : {"maildex.sqlite", "maildex.sqlite-wal", "maildex.sqlite-shm"})
        fs::remove(md.path() / f);
    firstIndexDiesAt("pending-rows-before-insert");
    auto inbox = open()->folder("");
    EXPECT_EQ(inbox->uidValidity(), validity);
    EXPECT_EQ(inbox->uids(), range(1, 10));
    auto view = inbox->open(false);
    auto m = view->meta({4, 5, 9});
    EXPECT_EQ(m[0].flags, flag::Answered);
    EXPECT_EQ(m[2].flags, flag::Seen | flag::Answered);
    EXPECT_EQ(inbox->keywordNames(m[0].keywords), (std::vector<std::string>{"$Label1", "Later"}));
    EXPECT_EQ(m[1].keywords, 0u);
    EXPECT_EQ(inbox->keywordNames(m[2].keywords), (std::vector<std::string>{"$Label1", "Later"}));
}

// Directories changed under 2 s ago make the next sync scan again (their mtimes cannot be
// trusted yet). That scan finds nothing to change and leaves the pending rows pending.
TEST_F(PendingRowsTest, ARescanWithNothingToChangeLeavesRowsPending) {
    for (int i = 0; i < 12; ++i)
        md.deliver("", "x\n", false, "S");
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "--pending-rows-from", "5", "--crash-at",
                         "pending-rows-before-insert", "select", "INBOX"}),
              86);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 0);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 1);
    // A scan that has something to change writes them first.
    md.deliver("", "late\n", false, "S");
    auto inbox = open()->folder("");
    inbox->sync(Folder::SyncMode::Full);
    EXPECT_EQ(inbox->uids(), range(1, 13));
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 13);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 0);
}

// A pending value that cannot be decoded is dropped, and the files numbered again with
// the UIDs courierimapuiddb kept for them: nothing is lost, nothing renumbered.
TEST_F(PendingRowsTest, ADamagedPendingValueIsNumberedAgainFromTheMirror) {
    deliver(12);
    firstIndexDiesAt("pending-rows-before-insert");
    std::uint32_t validity;
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((md.path() / "maildex.sqlite").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "UPDATE pending_rows SET data=substr(data, 1, 30)", nullptr,
                               nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, "SELECT uidvalidity FROM folder WHERE name=''", -1, &st, nullptr);
        ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
        validity = static_cast<std::uint32_t>(sqlite3_column_int64(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    auto inbox = open()->folder("");
    EXPECT_EQ(inbox->uidValidity(), validity);
    EXPECT_EQ(inbox->uids(), range(1, 12));
    EXPECT_EQ(inbox->uidsWithout(flag::Seen), (V{1, 4, 7, 10}));
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 0);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 12);
}

// In one process: the first index answers at once, the rows follow in the background.
TEST_F(PendingRowsTest, TheBackgroundTaskInsertsTheRows) {
    deliver(30);
    {
        auto store = Mailstore::open({md.path(), {}, 10});
        auto inbox = store->folder("");
        EXPECT_EQ(inbox->uids(), range(1, 30));
    }
    waitForBackgroundWork();
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message"), 30);
    EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 0);
    EXPECT_EQ(count(md.path(), "SELECT count(DISTINCT modseq) FROM message"), 1);
}

// Files in new/ are moved by a read-write SELECT, which needs their rows: no pending.
TEST_F(PendingRowsTest, FilesInNewAreNotLeftPending) {
    for (int i = 0; i < 12; ++i)
        md.deliver("", "x\n", true);
    {
        auto store = Mailstore::open({md.path(), {}, 5});
        store->folder("")->open(true);
        EXPECT_EQ(count(md.path(), "SELECT count(*) FROM pending_rows"), 0);
        EXPECT_EQ(count(md.path(), "SELECT count(*) FROM message WHERE in_new=0"), 12);
    }
    waitForBackgroundWork();
}

}  // namespace
}  // namespace maildex::index
