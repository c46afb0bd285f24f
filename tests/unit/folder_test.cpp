// index/folder and index/mailstore: scanning, flag changes, expunge, append, copy, and
// the index as a cache that can be deleted.

#include "index/folder.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "index/error.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "index/sqlite.h"
#include "index/watcher.h"
#include "tests/support/process.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::uint32_t>;

std::vector<std::string> files(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Descriptors this process has open on the index database and its -wal and -shm files.
int descriptorsOn(const fs::path& index) {
    int n = 0;
    for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        auto target = fs::read_symlink(e.path(), ec).string();
        if (!ec && target.rfind(index.string(), 0) == 0) ++n;
    }
    return n;
}

// An index that cannot be opened says why, in the system's words.
TEST(SqliteTest, AFailedOpenSaysWhy) {
    try {
        Sqlite db("/nonexistent-maildex-dir/maildex.sqlite");
        FAIL() << "opened";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
            << e.what();
    }
}

struct FolderTest : ::testing::Test {
    test::TempMaildir md;
    std::shared_ptr<Mailstore> open() { return Mailstore::open({md.path(), {}}); }
};

TEST_F(FolderTest, NumbersMessagesInDeliveryOrder) {
    md.deliver("", "Subject: b\n\n", true, "", 1700000002);
    md.deliver("", "Subject: a\n\n", false, "S", 1700000001);
    auto store = open();
    auto inbox = store->folder("");
    EXPECT_EQ(inbox->uids(), (V{1, 2}));
    EXPECT_EQ(inbox->uidNext(), 3u);
    auto view = inbox->open(false);
    auto meta = view->meta({1, 2});
    EXPECT_EQ(meta[0].flags, flag::Seen);  // the older file got UID 1
    EXPECT_EQ(meta[1].flags, 0);
}

TEST_F(FolderTest, UidsSurviveReopening) {
    md.deliver("", "Subject: a\n\n");
    std::uint32_t validity;
    {
        auto store = open();
        validity = store->folder("")->uidValidity();
    }
    md.deliver("", "Subject: b\n\n");
    auto store = open();
    auto inbox = store->folder("");
    EXPECT_EQ(inbox->uidValidity(), validity);
    EXPECT_EQ(inbox->uids(), (V{1, 2}));
}

// A fresh process loads a folder from the modseq index, in modseq order; a message whose
// flags changed after others were added comes later in it, and must come back in its
// place, with its flags. UIDs close together are placed by number, far apart sorted.
TEST_F(FolderTest, AFreshLoadPutsMessagesInUidOrder) {
    for (std::uint32_t firstUid : {1u, 50000u}) {
        test::TempMaildir dir;
        if (firstUid > 1) {
            std::ofstream(dir.path() / "courierimapuiddb") << "1 1234567 " << firstUid << "\n";
        }
        for (int i = 0; i < 5; ++i)
            dir.deliver("", "Subject: m\n\n", false, "S");
        V expected;
        for (std::uint32_t u = firstUid; u < firstUid + 5; ++u)
            expected.push_back(u);
        {
            auto inbox = Mailstore::open({dir.path(), {}})->folder("");
            ASSERT_EQ(inbox->uids(), expected);
            inbox->store({firstUid + 1}, FlagChange{StoreMode::Add, flag::Flagged, {"$Work"}, {}});
            inbox->store({firstUid}, FlagChange{StoreMode::Remove, flag::Seen, {}, {}});
        }
        auto store = Mailstore::open({dir.path(), {}});
        auto inbox = store->folder("");
        EXPECT_EQ(inbox->uids(), expected) << firstUid;
        EXPECT_EQ(inbox->uidsWithout(flag::Flagged),
                  (V{firstUid, firstUid + 2, firstUid + 3, firstUid + 4}));
        EXPECT_EQ(inbox->uidsWithout(flag::Seen), V{firstUid});
        auto view = inbox->open(false);
        auto meta = view->meta({firstUid + 1});
        EXPECT_EQ(inbox->keywordNames(meta[0].keywords), std::vector<std::string>{"$Work"});
    }
}

// One catch-up that finds messages expunged, changed and added by another process at
// once: the state is merged from runs of the old one.
TEST_F(FolderTest, ACatchUpMergesExpungesChangesAndAdditions) {
    for (int i = 0; i < 10; ++i)
        md.deliver("", "m\n", false, "S");
    auto store = open();
    auto inbox = store->folder("");
    ASSERT_EQ(inbox->uids().size(), 10u);
    Watcher::instance().pauseForTest(true);  // so that our own watcher does not catch up first
    auto helper = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {INDEX_HELPER, md.path().string()});
        ASSERT_EQ(test::run(args), 0);
    };
    helper({"store", "INBOX", "1", "+", "T"});
    helper({"store", "INBOX", "5", "+", "T"});
    helper({"store", "INBOX", "10", "+", "T"});
    helper({"expunge", "INBOX"});
    helper({"store", "INBOX", "3", "+", "F"});
    helper({"store", "INBOX", "9", "-", "S"});
    helper({"append", "INBOX", "2"});
    inbox->catchUp();
    Watcher::instance().pauseForTest(false);
    EXPECT_EQ(inbox->uids(), (V{2, 3, 4, 6, 7, 8, 9, 11, 12}));
    EXPECT_EQ(inbox->uidsWithout(flag::Seen), (V{9, 11, 12}));
    EXPECT_EQ(inbox->uidsWithout(flag::Flagged), (V{2, 4, 6, 7, 8, 9, 11, 12}));
}

// A move from new/ to cur/ cut short between link and unlink leaves one message under two
// names: the first index numbers it once, as the cur/ file; so is a message listed twice
// in cur/ (a rename caught half-way).
TEST_F(FolderTest, AFirstIndexNumbersABaseNameFoundTwiceOnce) {
    md.deliver("", "first\n", false, "S", 1700000000);
    auto twice = md.deliver("", "twice\n", true, "", 1700000001);
    fs::create_hard_link(md.path() / "new" / twice, md.path() / "cur" / (twice + ":2,F"));
    auto third = md.deliver("", "third\n", false, "S", 1700000002);
    fs::create_hard_link(md.path() / "cur" / third,
                         md.path() / "cur" / (third.substr(0, third.find(':')) + ":2,RS"));
    auto inbox = open()->folder("");
    EXPECT_EQ(inbox->uids(), (V{1, 2, 3}));
    EXPECT_EQ(inbox->uidsWithout(flag::Flagged), (V{1, 3}));
    EXPECT_EQ(inbox->uidsWithout(flag::Seen), (V{2}));
}

TEST_F(FolderTest, ReadWriteOpenMovesNewToCur) {
    auto name = md.deliver("", "Subject: a\n\n");
    auto store = open();
    auto inbox = store->folder("");
    auto examine = inbox->open(false);
    EXPECT_TRUE(fs::exists(md.path() / "new" / name));
    auto select = inbox->open(true);
    EXPECT_FALSE(fs::exists(md.path() / "new" / name));
    EXPECT_TRUE(fs::exists(md.path() / "cur" / (name + ":2,")));
    EXPECT_TRUE(select->isRecent(1));
    // \Recent goes to exactly one read-write session. A read-only one (EXAMINE) claims
    // none but shows what was unclaimed when it looked (RFC 3501 6.3.2).
    auto second = inbox->open(true);
    EXPECT_FALSE(second->isRecent(1));
    EXPECT_TRUE(examine->isRecent(1));
    EXPECT_FALSE(inbox->open(false)->isRecent(1));
}

TEST_F(FolderTest, StoreRenamesTheFile) {
    auto name = md.deliver("", "Subject: a\n\n", false, "S");
    auto store = open();
    auto inbox = store->folder("");
    FlagChange change;
    change.mode = StoreMode::Add;
    change.flags = flag::Flagged | flag::Answered;
    change.keywords = {"$Label1"};
    auto r = inbox->store({1}, change);
    EXPECT_EQ(r.changed, V{1});
    EXPECT_EQ(files(md.path() / "cur"),
              std::vector<std::string>{name.substr(0, name.find(':')) + ":2,FRS"});
    auto view = inbox->open(false);
    auto m = view->meta({1})[0];
    EXPECT_EQ(m.flags, flag::Flagged | flag::Answered | flag::Seen);
    EXPECT_EQ(inbox->keywordNames(m.keywords), std::vector<std::string>{"$Label1"});
    // Storing what is already there changes nothing and costs no modseq.
    auto again = inbox->store({1}, change);
    EXPECT_TRUE(again.changed.empty());
    EXPECT_EQ(again.matched, V{1});
}

TEST_F(FolderTest, ExternalRenameAndDeleteAreFound) {
    auto a = md.deliver("", "Subject: a\n\n", false, "");
    auto b = md.deliver("", "Subject: b\n\n", false, "");
    auto store = open();
    auto inbox = store->folder("");
    auto view = inbox->open(true);
    fs::rename(md.path() / "cur" / a, md.path() / "cur" / (a.substr(0, a.find(':')) + ":2,RS"));
    fs::remove(md.path() / "cur" / b);
    inbox->sync(Folder::SyncMode::Full);
    auto up = view->sync(true);
    EXPECT_EQ(up.expungedSeqs, V{2});
    EXPECT_EQ(up.changedUids, V{1});
    EXPECT_EQ(view->meta({1})[0].flags, flag::Answered | flag::Seen);
}

TEST_F(FolderTest, ExpungeRemovesOnlyDeleted) {
    md.deliver("", "a\n", false, "T");
    md.deliver("", "b\n", false, "S");
    md.deliver("", "c\n", false, "ST");
    auto store = open();
    auto inbox = store->folder("");
    EXPECT_EQ(inbox->expungeDeleted(), (V{1, 3}));
    EXPECT_EQ(inbox->uids(), V{2});
    EXPECT_EQ(files(md.path() / "cur").size(), 1u);
    V only{2};
    EXPECT_TRUE(inbox->expungeDeleted(&only).empty());
}

TEST_F(FolderTest, AppendWritesTheFileWithFlagsAndDate) {
    auto store = open();
    auto inbox = store->folder("");
    std::vector<NewMessage> msgs(2);
    msgs[0].data = "Subject: x\r\n\r\nbody\r\n";
    msgs[0].flags = flag::Seen;
    msgs[0].keywords = {"Work"};
    msgs[0].internalDate = 1600000000;
    msgs[1].data = "Subject: y\r\n\r\n";
    auto uids = inbox->append(msgs);
    EXPECT_EQ(uids, (V{1, 2}));
    auto f = inbox->file(1);
    EXPECT_EQ(f.internalDate, 1600000000);
    EXPECT_EQ(f.size, 17u);   // stored with LF
    EXPECT_EQ(f.vsize, 20u);  // counted with CRLF
    EXPECT_NE(f.path.filename().string().find(":2,S"), std::string::npos);
    EXPECT_TRUE(fs::is_empty(md.path() / "tmp"));
    auto view = inbox->open(false);
    EXPECT_EQ(inbox->keywordNames(view->meta({1})[0].keywords), std::vector<std::string>{"Work"});
}

TEST_F(FolderTest, CopyHardLinksAndKeepsFlags) {
    md.makeFolder("Archive");
    md.deliver("", "Subject: a\n\n", false, "FS");
    auto store = open();
    auto inbox = store->folder("");
    auto archive = store->folder("Archive");
    FlagChange kw;
    kw.keywords = {"$Forwarded"};
    inbox->store({1}, kw);
    auto r = inbox->copyTo({1, 99}, *archive, false);
    EXPECT_EQ(r.sourceUids, V{1});
    EXPECT_EQ(r.destUids, V{1});
    EXPECT_EQ(r.destUidValidity, archive->uidValidity());
    auto src = inbox->file(1), dst = archive->file(1);
    struct stat a, b;
    ::stat(src.path.c_str(), &a);
    ::stat(dst.path.c_str(), &b);
    EXPECT_EQ(a.st_ino, b.st_ino);
    auto view = archive->open(false);
    auto m = view->meta({1})[0];
    EXPECT_EQ(m.flags, flag::Flagged | flag::Seen);
    EXPECT_EQ(archive->keywordNames(m.keywords), std::vector<std::string>{"$Forwarded"});
}

TEST_F(FolderTest, MoveRemovesTheSource) {
    md.makeFolder("Trash");
    md.deliver("", "Subject: a\n\n", false, "S");
    auto store = open();
    auto inbox = store->folder("");
    auto trash = store->folder("Trash");
    auto r = inbox->copyTo({1}, *trash, true);
    EXPECT_EQ(r.destUids, V{1});
    EXPECT_TRUE(inbox->uids().empty());
    EXPECT_TRUE(fs::is_empty(md.path() / "cur"));
    EXPECT_EQ(trash->uids(), V{1});
}

// A waiting user's index is closed (at IDLE, or after a while unused): it gives back its
// descriptors, and the next use opens it again.
TEST_F(FolderTest, AClosedIndexHoldsNoDescriptorsAndOpensAgainOnUse) {
    md.deliver("", "Subject: a\n\n", false);
    auto store = open();
    auto inbox = store->folder("");
    EXPECT_GT(descriptorsOn(store->indexPath()), 0);
    // The watcher's thread would open the index again for the files this test changes.
    Watcher::instance().pauseForTest(true);
    Mailstore::closeUnusedDatabases(std::chrono::hours(1));  // forget earlier closes
    store->releaseMemory();
    EXPECT_FALSE(store->databaseOpen());
    EXPECT_EQ(descriptorsOn(store->indexPath()), 0);
    EXPECT_EQ(inbox->store({1}, FlagChange{StoreMode::Add, flag::Flagged, {}, {}}).changed, V{1});
    EXPECT_TRUE(store->databaseOpen());
    EXPECT_EQ(Mailstore::closeUnusedDatabases(std::chrono::hours(1)), 1u);  // releaseMemory's
    EXPECT_TRUE(store->databaseOpen());
    EXPECT_EQ(Mailstore::closeUnusedDatabases(std::chrono::seconds(0)), 1u);
    EXPECT_FALSE(store->databaseOpen());
    EXPECT_EQ(inbox->uidsWithout(flag::Flagged), V{});
    Watcher::instance().pauseForTest(false);
    auto again = Mailstore::open({md.path(), {}})->folder("");
    EXPECT_EQ(again->status().messages, 1u);
}

// During a burst of logins every user between LOGIN and IDLE holds an index open; the
// number is bounded, the least recently used going first, and a closed one opens again.
TEST_F(FolderTest, OpenIndexDatabasesAreBounded) {
    Watcher::instance().pauseForTest(true);  // its checks would open indexes meanwhile
    auto base = Mailstore::openDatabases();
    auto defaultLimit = Mailstore::limitOpenDatabases(base + 2);
    std::vector<std::unique_ptr<test::TempMaildir>> dirs;
    std::vector<std::shared_ptr<Mailstore>> stores;
    for (int i = 0; i < 5; ++i) {
        dirs.push_back(std::make_unique<test::TempMaildir>());
        dirs.back()->deliver("", "Subject: m\n\n", false, "S");
        stores.push_back(Mailstore::open({dirs.back()->path(), {}}));
        EXPECT_EQ(stores.back()->folder("")->messageCount(), 1u);
        EXPECT_LE(Mailstore::openDatabases(), base + 2) << i;
    }
    EXPECT_FALSE(stores[0]->databaseOpen());  // the least recently used went first
    EXPECT_TRUE(stores[4]->databaseOpen());
    EXPECT_EQ(stores[0]->folder("")->status().messages, 1u);
    EXPECT_TRUE(stores[0]->databaseOpen());
    EXPECT_LE(Mailstore::openDatabases(), base + 2);
    Mailstore::limitOpenDatabases(defaultLimit);
    Watcher::instance().pauseForTest(false);
}

// Opening an index takes no write lock: a user comes back from IDLE while another process
// (maildexctl, a second server) holds the index's write lock.
TEST_F(FolderTest, AClosedIndexOpensWhileAnotherProcessWrites) {
    md.deliver("", "Subject: a\n\n", false);
    auto store = open();
    auto inbox = store->folder("");
    store->releaseMemory();
    Sqlite other(store->indexPath().string());
    other.exec("BEGIN IMMEDIATE");
    EXPECT_NO_THROW(inbox->catchUp());
    EXPECT_TRUE(store->databaseOpen());
    other.exec("ROLLBACK");
}

TEST_F(FolderTest, DeletingTheIndexLosesNoUids) {
    md.makeFolder("Sent");
    for (int i = 0; i < 5; ++i)
        md.deliver("", "m\n");
    std::uint32_t validity, sentValidity;
    {
        auto store = open();
        auto inbox = store->folder("");
        inbox->open(true);
        inbox->store({2}, FlagChange{StoreMode::Add, flag::Flagged, {"$Label1", "Project_X"}, {}});
        inbox->copyTo({2}, *store->folder("Sent"), false);
        inbox->store({1, 3}, FlagChange{StoreMode::Add, flag::Deleted, {}, {}});
        inbox->store({4}, FlagChange{StoreMode::Add, flag::Seen, {"$label1"}, {}});
        inbox->expungeDeleted();
        store->setSubscribed("Sent", true);
        validity = inbox->uidValidity();
        sentValidity = store->folder("Sent")->uidValidity();
        md.deliver("", "late\n");
        inbox->sync(Folder::SyncMode::Full);
        EXPECT_EQ(inbox->uids(), (V{2, 4, 5, 6}));
    }
    for (const char* f : {"maildex.sqlite", "maildex.sqlite-wal", "maildex.sqlite-shm"})
        fs::remove(md.path() / f);
    auto store = open();
    auto inbox = store->folder("");
    EXPECT_EQ(inbox->uidValidity(), validity);
    EXPECT_EQ(inbox->uids(), (V{2, 4, 5, 6}));
    EXPECT_EQ(inbox->uidNext(), 7u);
    EXPECT_EQ(store->folder("Sent")->uidValidity(), sentValidity);
    EXPECT_EQ(store->folder("Sent")->uids(), V{1});
    // Flags come back from the file names, keywords from courierimapkeywords/.
    auto view = inbox->open(false);
    auto m = view->meta({2, 4});
    EXPECT_EQ(m[0].flags, flag::Flagged);
    EXPECT_EQ(inbox->keywordNames(m[0].keywords),
              (std::vector<std::string>{"$Label1", "Project_X"}));
    EXPECT_EQ(m[1].flags, flag::Seen);
    EXPECT_EQ(inbox->keywordNames(m[1].keywords), std::vector<std::string>{"$Label1"});
    auto sent = store->folder("Sent")->open(false);
    EXPECT_EQ(store->folder("Sent")->keywordNames(sent->meta({1})[0].keywords).size(), 2u);
    EXPECT_EQ(store->subscriptions(), std::vector<std::string>{"Sent"});
}

// A damaged courierimapuiddb may list one UID twice; a UID is still given once.
TEST_F(FolderTest, AMirrorGivingTwoFilesOneUidNumbersTheSecondAnew) {
    auto a = md.deliver("", "a\n", false, "S", 1700000000);
    auto b = md.deliver("", "b\n", false, "S", 1700000001);
    auto baseOf = [](const std::string& name) { return name.substr(0, name.find(':')); };
    std::ofstream(md.path() / "courierimapuiddb")
        << "1 1234567 8\n7 " << baseOf(a) << "\n7 " << baseOf(b) << "\n";
    auto inbox = open()->folder("");
    EXPECT_EQ(inbox->uidValidity(), 1234567u);
    EXPECT_EQ(inbox->uids(), (V{7, 8}));
    EXPECT_EQ(inbox->uidNext(), 9u);
}

TEST_F(FolderTest, KeywordMirrorIsMergedInBatches) {
    for (int i = 0; i < 100; ++i)
        md.deliver("", "m\n", false, "S");
    auto store = open();
    auto inbox = store->folder("");
    for (std::uint32_t uid = 1; uid <= 100; ++uid)
        inbox->store({uid}, FlagChange{StoreMode::Add, 0, {"k" + std::to_string(uid % 7)}, {}});
    // Never one update file per change forever: they were merged into :list.
    size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(md.path() / "courierimapkeywords"))
        ++files;
    EXPECT_LT(files, 70u);
    EXPECT_TRUE(fs::exists(md.path() / "courierimapkeywords" / ":list"));
}

TEST_F(FolderTest, CreateRenameDelete) {
    auto store = open();
    store->create("Work");
    store->create("Work.Old");
    EXPECT_THROW(store->create("Work"), Error);
    md.deliver("Work.Old", "x\n");
    auto oldValidity = store->folder("Work.Old")->uidValidity();
    store->rename("Work", "Jobs");
    EXPECT_FALSE(store->exists("Work.Old"));
    EXPECT_TRUE(store->exists("Jobs.Old"));
    auto moved = store->folder("Jobs.Old");
    EXPECT_EQ(moved->uidValidity(), oldValidity);
    EXPECT_EQ(moved->uids(), V{1});
    store->remove("Jobs.Old");
    EXPECT_FALSE(store->exists("Jobs.Old"));
    EXPECT_THROW(store->folder("Jobs.Old"), Error);
    EXPECT_THROW(store->remove(""), Error);
    // A folder created again under an old name gets a new UIDVALIDITY.
    store->create("Jobs.Old");
    EXPECT_NE(store->folder("Jobs.Old")->uidValidity(), oldValidity);
}

TEST_F(FolderTest, RenameInboxMovesItsMessages) {
    md.deliver("", "a\n", false, "S");
    md.deliver("", "b\n");
    auto store = open();
    store->rename("", "Old");
    EXPECT_TRUE(store->folder("")->uids().empty());
    EXPECT_EQ(store->folder("Old")->uids(), (V{1, 2}));
}

TEST_F(FolderTest, DeletedFolderResetsItsViews) {
    md.makeFolder("Gone");
    auto store = open();
    auto view = store->folder("Gone")->open(true);
    store->remove("Gone");
    EXPECT_TRUE(view->sync(true).reset);
}

}  // namespace
}  // namespace maildex::index
