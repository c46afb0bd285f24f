// Crash injection: a separate process dies (_exit) at a named point between changing the
// files and committing the index, or after committing but before cleaning up. Whatever
// it left, a fresh open must be consistent with the files and must have lost no message.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "index/check.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "index/watcher.h"
#include "tests/support/process.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

using V = std::vector<std::uint32_t>;

struct Dump {
    std::string uidValidity;
    std::uint32_t uidNext = 0;
    std::map<std::uint32_t, std::string> messages;  // uid → "letters keywords"
    std::uint32_t highestUid() const { return messages.empty() ? 0 : messages.rbegin()->first; }
};

Dump dump(const test::TempMaildir& md, const std::string& folder) {
    std::string out;
    EXPECT_EQ(test::run({INDEX_HELPER, md.path().string(), "dump", folder}, &out), 0);
    Dump d;
    std::istringstream in(out);
    std::string word;
    in >> word >> d.uidValidity >> word >> d.uidNext;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        auto sp = line.find(' ');
        d.messages[static_cast<std::uint32_t>(std::stoul(line.substr(0, sp)))] =
            line.substr(sp + 1);
    }
    return d;
}

size_t fileCount(const fs::path& folderDir) {
    size_t n = 0;
    for (const char* sub : {"cur", "new"})
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(folderDir / sub))
            ++n;
    return n;
}

int crashDuring(const test::TempMaildir& md, const std::string& point,
                std::vector<std::string> command) {
    std::vector<std::string> argv{INDEX_HELPER, md.path().string(), "--crash-at", point};
    argv.insert(argv.end(), command.begin(), command.end());
    return test::run(argv);
}

// `maildexctl check` finds nothing: the index, the files and the Courier-format mirror
// (courierimapuiddb, courierimapkeywords/) agree.
void expectCheckClean(const test::TempMaildir& md) {
    CheckOptions options;
    options.maildir = md.path();
    for (const auto& d : checkMaildir(options).differences)
        ADD_FAILURE() << "check: " << (d.folder.empty() ? "INBOX" : d.folder) << ": " << d.text;
}

// No STORE is left half-done in the folder's journal (no live intent; idle ones start
// with a dot).
bool journalEmpty(const fs::path& folderDir) {
    auto dir = folderDir / "maildexjournal";
    if (fs::exists(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string()[0] != '.') return false;
    return true;
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> out;
    if (fs::exists(dir))
        for (const auto& e : fs::directory_iterator(dir))
            out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// A message appended now gets a UID no message had before: above `seen`, the highest UID
// any process was ever told of in the folder.
void expectFreshUid(const test::TempMaildir& md, const std::string& folder, std::uint32_t seen) {
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "append", folder, "1"}), 0);
    auto after = dump(md, folder);
    EXPECT_GT(after.highestUid(), seen);
}

std::string pointName(const ::testing::TestParamInfo<const char*>& info) {
    std::string name = info.param;
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

struct CrashTest : ::testing::Test {
    test::TempMaildir md;
    void SetUp() override {
        md.makeFolder("Archive");
        for (int i = 0; i < 3; ++i)
            md.deliver("", "Subject: " + std::to_string(i) + "\n\nx\n", false, "S");
        ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "select", "INBOX"}), 0);
        ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "select", "Archive"}), 0);
    }
};

TEST_F(CrashTest, AppendDiesAfterTheFileIsInPlace) {
    auto before = dump(md, "INBOX");
    EXPECT_EQ(crashDuring(md, "append-after-rename", {"append", "INBOX", "1"}), 86);
    auto after = dump(md, "INBOX");
    // The file is there; the next open numbers it. Nothing else changed.
    EXPECT_EQ(after.uidValidity, before.uidValidity);
    EXPECT_EQ(after.messages.size(), 4u);
    for (const auto& [uid, state] : before.messages)
        EXPECT_EQ(after.messages[uid], state);
    EXPECT_EQ(fileCount(md.path()), 4u);
}

TEST_F(CrashTest, AppendDiesAfterCommit) {
    EXPECT_EQ(crashDuring(md, "append-after-commit", {"append", "INBOX", "1"}), 86);
    auto after = dump(md, "INBOX");
    EXPECT_EQ(after.messages.size(), 4u);
    EXPECT_TRUE(after.messages.count(4));
}

TEST_F(CrashTest, StoreDiesBetweenRenameAndCommit) {
    EXPECT_EQ(crashDuring(md, "store-after-rename", {"store", "INBOX", "2", "+", "F"}), 86);
    auto after = dump(md, "INBOX");
    // The file name is the truth for system flags.
    EXPECT_EQ(after.messages[2], "FS");
    EXPECT_EQ(after.messages.size(), 3u);
}

TEST_F(CrashTest, ExpungeDiesBetweenUnlinkAndCommit) {
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "1", "+", "T"}), 0);
    EXPECT_EQ(crashDuring(md, "expunge-after-unlink", {"expunge", "INBOX"}), 86);
    auto after = dump(md, "INBOX");
    EXPECT_FALSE(after.messages.count(1));
    EXPECT_EQ(after.messages.size(), 2u);
    EXPECT_EQ(fileCount(md.path()), 2u);
}

TEST_F(CrashTest, CopyDiesBeforeCommitLeavesNoHalfCopy) {
    EXPECT_EQ(crashDuring(md, "copy-after-link", {"copy", "INBOX", "Archive", "1"}), 86);
    // The link is in Archive's cur/ without a row: the next open numbers it, so the copy
    // is complete rather than lost; the source is untouched.
    auto archive = dump(md, "Archive");
    EXPECT_EQ(archive.messages.size(), 1u);
    EXPECT_EQ(dump(md, "INBOX").messages.size(), 3u);
}

TEST_F(CrashTest, UidsAreNeverReusedAfterACrash) {
    EXPECT_EQ(crashDuring(md, "append-before-commit", {"append", "INBOX", "1"}), 86);
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "append", "INBOX", "1"}), 0);
    auto after = dump(md, "INBOX");
    EXPECT_EQ(after.messages.size(), 5u);
    std::set<std::uint32_t> uids;
    for (const auto& [uid, _] : after.messages)
        uids.insert(uid);
    EXPECT_EQ(uids.size(), 5u);
}

// ---------------------------------------------------------------------------------------
// STORE: flags (the file name) and keywords (index and courierimapkeywords/) change
// together (store_journal.cpp): after a crash every message has all of the old or all of
// the new ones. Interrupted STOREs are rolled forward, so: all of the new ones.

struct StoreCrash : CrashTest, ::testing::WithParamInterface<const char*> {};

TEST_P(StoreCrash, AddedFlagAndKeywordComeTogether) {
    auto before = dump(md, "INBOX");
    EXPECT_EQ(crashDuring(md, GetParam(), {"store", "INBOX", "1,2,3", "+", "F", "$Work"}), 86);
    auto after = dump(md, "INBOX");
    ASSERT_EQ(after.messages.size(), 3u);
    for (const auto& [uid, state] : after.messages)
        EXPECT_EQ(state, "FS $Work") << "UID " << uid;
    EXPECT_TRUE(journalEmpty(md.path()));
    expectCheckClean(md);
    expectFreshUid(md, "INBOX", std::max(before.uidNext - 1, after.highestUid()));
}

TEST_P(StoreCrash, RemovedFlagsAndKeywordGoTogether) {
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "1,2,3", "+", "F",
                         "$Work", "$Keep"}),
              0);
    EXPECT_EQ(crashDuring(md, GetParam(), {"store", "INBOX", "1,2,3", "-", "FS", "$Work"}), 86);
    auto after = dump(md, "INBOX");
    ASSERT_EQ(after.messages.size(), 3u);
    for (const auto& [uid, state] : after.messages)
        EXPECT_EQ(state, " $Keep") << "UID " << uid;
    EXPECT_TRUE(journalEmpty(md.path()));
    expectCheckClean(md);
}

// A STORE of keywords alone renames no file, so no scan would notice it.
TEST_P(StoreCrash, KeywordsAloneAreFinishedToo) {
    EXPECT_EQ(crashDuring(md, GetParam(), {"store", "INBOX", "1,3", "+", "", "$Work"}), 86);
    auto after = dump(md, "INBOX");
    EXPECT_EQ(after.messages[1], "S $Work");
    EXPECT_EQ(after.messages[2], "S");
    EXPECT_EQ(after.messages[3], "S $Work");
    EXPECT_TRUE(journalEmpty(md.path()));
    expectCheckClean(md);
}

INSTANTIATE_TEST_SUITE_P(Points, StoreCrash,
                         ::testing::Values("store-after-intent", "store-after-rename",
                                           "store-before-commit", "store-after-commit"),
                         pointName);

TEST_F(CrashTest, ARollForwardThatDiesIsFinishedByTheNextProcess) {
    EXPECT_EQ(crashDuring(md, "store-after-intent", {"store", "INBOX", "1,2", "+", "F", "$Work"}),
              86);
    // The next process dies too, after the first file of its roll-forward.
    EXPECT_EQ(crashDuring(md, "store-recovery-after-rename", {"dump", "INBOX"}), 86);
    EXPECT_EQ(crashDuring(md, "store-recovery-before-commit", {"dump", "INBOX"}), 86);
    auto after = dump(md, "INBOX");
    EXPECT_EQ(after.messages[1], "FS $Work");
    EXPECT_EQ(after.messages[2], "FS $Work");
    EXPECT_EQ(after.messages[3], "S");
    EXPECT_TRUE(journalEmpty(md.path()));
    expectCheckClean(md);
}

// Another process's writer finishes the STORE before it looks at the files: a STORE on
// the same message then builds on the finished one.
TEST_F(CrashTest, TheNextWriterFinishesAStoreBeforeItsOwnChange) {
    EXPECT_EQ(crashDuring(md, "store-after-rename", {"store", "INBOX", "1,2", "+", "F", "$Work"}),
              86);
    ASSERT_EQ(
        test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "1", "-", "", "$Work"}), 0);
    auto after = dump(md, "INBOX");
    EXPECT_EQ(after.messages[1], "FS");
    EXPECT_EQ(after.messages[2], "FS $Work");
    expectCheckClean(md);
}

// An intent cut short while being written (its STORE touched nothing) and a damaged one
// are dropped; neither stops the folder's writers.
TEST_F(CrashTest, IntentsCutShortOrDamagedAreDropped) {
    auto journal = md.path() / "maildexjournal";
    fs::create_directories(journal);
    std::ofstream(journal / "cut") << "maildex intent 1\nstore\t+\tF\nk\t$Work\n";
    std::ofstream(journal / "damaged") << "maildex intent 1\nstore\t+\tF\nm\t1\t../x\nend\n";
    auto before = dump(md, "INBOX");
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "2", "+", "D"}), 0);
    auto after = dump(md, "INBOX");
    EXPECT_EQ(after.messages[1], before.messages[1]);
    EXPECT_EQ(after.messages[2], "DS");
    EXPECT_TRUE(journalEmpty(md.path()));
    expectCheckClean(md);
}

// A STORE that fails without dying (an SQLite or I/O error) puts everything back.
TEST_F(CrashTest, AFailedStorePutsFilesAndKeywordsBack) {
    for (const char* point : {"throw:store-after-rename", "throw:store-before-commit"}) {
        SCOPED_TRACE(point);
        EXPECT_EQ(crashDuring(md, point, {"store", "INBOX", "1,2,3", "+", "F", "$Work"}), 1);
        auto after = dump(md, "INBOX");
        for (const auto& [uid, state] : after.messages)
            EXPECT_EQ(state, "S") << "UID " << uid;
        EXPECT_TRUE(journalEmpty(md.path()));
        expectCheckClean(md);
    }
}

// The file's name is the truth for its flags: another program's change since the index
// last looked is kept, and the STORE applies to it.
TEST(CrashSafety, StoreFindsAFileAnotherProgramRenamed) {
    test::TempMaildir md;
    auto name = md.deliver("", "Subject: a\n\n", false, "S");
    auto base = name.substr(0, name.find(':'));
    Watcher::instance().pauseForTest(true);
    {
        auto store = Mailstore::open({md.path(), {}});
        auto inbox = store->folder("");
        fs::rename(md.path() / "cur" / name, md.path() / "cur" / (base + ":2,RS"));
        auto r = inbox->store({1}, FlagChange{StoreMode::Add, flag::Flagged, {"$Work"}, {}});
        EXPECT_EQ(r.changed, V{1});
        EXPECT_EQ(entries(md.path() / "cur"), std::vector<std::string>{base + ":2,FRS"});
        auto view = inbox->open(false);
        auto m = view->meta({1})[0];
        EXPECT_EQ(m.flags, flag::Flagged | flag::Answered | flag::Seen);
        EXPECT_EQ(inbox->keywordNames(m.keywords), std::vector<std::string>{"$Work"});
    }
    Watcher::instance().pauseForTest(false);
    expectCheckClean(md);
}

// ---------------------------------------------------------------------------------------
// MOVE (RFC 6851 3.3): within one Maildir a rename, so an interrupted MOVE leaves the
// message in exactly one of the two folders, with its flags and keywords.

// Message 3 has a flag and a keyword to take along.
struct MoveTest : CrashTest {
    void SetUp() override {
        CrashTest::SetUp();
        ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "3", "+", "F",
                             "$Moved"}),
                  0);
    }
};

struct MoveCrash : MoveTest, ::testing::WithParamInterface<const char*> {};

TEST_P(MoveCrash, TheMessageIsInExactlyOneFolder) {
    auto archiveBefore = dump(md, "Archive");
    EXPECT_EQ(crashDuring(md, GetParam(), {"move", "INBOX", "Archive", "3"}), 86);
    auto inbox = dump(md, "INBOX");
    auto archive = dump(md, "Archive");
    EXPECT_EQ(inbox.messages.size() + archive.messages.size(), 3u);
    EXPECT_EQ(fileCount(md.path()) + fileCount(md.folderDir("Archive")), 3u);
    // Either still in INBOX under its UID, or in Archive; with its flags and keywords.
    EXPECT_NE(inbox.messages.count(3), archive.messages.size());
    std::size_t withState = 0;
    for (const auto* d : {&inbox, &archive})
        for (const auto& [uid, state] : d->messages)
            withState += state == "FS $Moved";
    EXPECT_EQ(withState, 1u);
    EXPECT_EQ(inbox.messages[1], "S");
    EXPECT_EQ(inbox.messages[2], "S");
    expectCheckClean(md);
    expectFreshUid(md, "Archive", std::max(archiveBefore.uidNext - 1, archive.highestUid()));
}

INSTANTIATE_TEST_SUITE_P(Points, MoveCrash,
                         ::testing::Values("move-after-keywords", "move-after-rename",
                                           "move-before-commit", "move-after-commit"),
                         pointName);

TEST_F(CrashTest, MoveOfSeveralDiesHalfWay) {
    ASSERT_EQ(
        test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "1,2,3", "+", "", "$Moved"}),
        0);
    // Dies after the first of three renames.
    EXPECT_EQ(crashDuring(md, "move-after-rename", {"move", "INBOX", "Archive", "1", "2", "3"}),
              86);
    auto inbox = dump(md, "INBOX");
    auto archive = dump(md, "Archive");
    EXPECT_EQ(inbox.messages.size(), 2u);
    EXPECT_EQ(archive.messages.size(), 1u);
    for (const auto* d : {&inbox, &archive})
        for (const auto& [uid, state] : d->messages)
            EXPECT_EQ(state, "S $Moved") << "UID " << uid;
    expectCheckClean(md);
}

// A MOVE that fails without dying puts the file back where it was.
TEST_F(MoveTest, AFailedMovePutsTheFileBack) {
    for (const char* point : {"throw:move-after-rename", "throw:move-before-commit"}) {
        SCOPED_TRACE(point);
        EXPECT_EQ(crashDuring(md, point, {"move", "INBOX", "Archive", "3"}), 1);
        auto inbox = dump(md, "INBOX");
        EXPECT_EQ(inbox.messages[3], "FS $Moved");
        EXPECT_TRUE(dump(md, "Archive").messages.empty());
        EXPECT_EQ(fileCount(md.folderDir("Archive")), 0u);
        // No keyword update file is left for a file that does not exist.
        for (const auto& e : entries(md.folderDir("Archive") / "courierimapkeywords"))
            EXPECT_EQ(e, ":list");
        expectCheckClean(md);
    }
}

// Another program renamed the file (a flag change) since the index last looked: MOVE finds
// it by its base name and takes the flags it has now along.
TEST(CrashSafety, MoveFindsAFileAnotherProgramRenamed) {
    test::TempMaildir md;
    md.makeFolder("Archive");
    auto name = md.deliver("", "Subject: a\n\n", false, "S");
    auto base = name.substr(0, name.find(':'));
    Watcher::instance().pauseForTest(true);
    {
        auto store = Mailstore::open({md.path(), {}});
        auto inbox = store->folder("");
        auto archive = store->folder("Archive");
        inbox->store({1}, FlagChange{StoreMode::Add, 0, {"$Kept"}, {}});
        fs::rename(md.path() / "cur" / name, md.path() / "cur" / (base + ":2,RS"));
        auto r = inbox->copyTo({1}, *archive, true);
        EXPECT_EQ(r.destUids, V{1});
        EXPECT_TRUE(inbox->uids().empty());
        EXPECT_TRUE(fs::is_empty(md.path() / "cur"));
        auto view = archive->open(false);
        auto m = view->meta({1})[0];
        EXPECT_EQ(m.flags, flag::Answered | flag::Seen);
        EXPECT_EQ(archive->keywordNames(m.keywords), std::vector<std::string>{"$Kept"});
    }
    Watcher::instance().pauseForTest(false);
    expectCheckClean(md);
}

// ---------------------------------------------------------------------------------------
// APPEND: its keywords are written with its file, so a message the next scan numbers
// after a crash has them; and nothing stays in tmp/.

struct AppendCrash : CrashTest, ::testing::WithParamInterface<const char*> {};

TEST_P(AppendCrash, TheMessageHasItsKeywordsOrIsNotThere) {
    auto before = dump(md, "INBOX");
    EXPECT_EQ(crashDuring(md, GetParam(), {"append", "INBOX", "1", "F", "$Sent", "$Work"}), 86);
    auto after = dump(md, "INBOX");
    for (const auto& [uid, state] : before.messages)
        EXPECT_EQ(after.messages[uid], state);
    if (std::string(GetParam()) == "append-after-keywords") {
        EXPECT_EQ(after.messages.size(), 3u);  // its file was still in tmp/
    } else {
        ASSERT_EQ(after.messages.size(), 4u);
        EXPECT_EQ(after.messages.rbegin()->second, "F $Sent $Work");
    }
    EXPECT_EQ(entries(md.path() / "tmp"), std::vector<std::string>{});
    expectCheckClean(md);
    expectFreshUid(md, "INBOX", std::max(before.uidNext - 1, after.highestUid()));
}

INSTANTIATE_TEST_SUITE_P(Points, AppendCrash,
                         ::testing::Values("append-after-keywords", "append-after-rename",
                                           "append-before-commit", "append-after-commit"),
                         pointName);

TEST_F(CrashTest, AFailedAppendLeavesNothing) {
    for (const char* point : {"throw:append-after-rename", "throw:append-before-commit"}) {
        SCOPED_TRACE(point);
        EXPECT_EQ(crashDuring(md, point, {"append", "INBOX", "1", "", "$Sent"}), 1);
        auto after = dump(md, "INBOX");
        EXPECT_EQ(after.messages.size(), 3u);
        EXPECT_EQ(fileCount(md.path()), 3u);
        EXPECT_EQ(entries(md.path() / "tmp"), std::vector<std::string>{});
        expectCheckClean(md);
    }
}

// A file a dead process placed in cur/ is numbered by another process's incremental sync
// (from inotify) as a full scan would: with the keywords written for it.
TEST(CrashSafety, AnIncrementalSyncGivesAPlacedFileItsKeywords) {
    test::TempMaildir md;
    md.deliver("", "Subject: a\n\n", false, "S");
    Watcher::instance().pauseForTest(true);
    {
        auto store = Mailstore::open({md.path(), {}});
        auto inbox = store->folder("");
        std::string base = "1700000100.M1P1V0000000000000001I0000000000000001_1.elsewhere,S=3";
        fs::create_directories(md.path() / "courierimapkeywords");
        std::ofstream(md.path() / "courierimapkeywords" / base) << "$Work\n";
        std::ofstream(md.path() / "cur" / (base + ":2,S")) << "b\n\n";
        inbox->syncNames({}, {base + ":2,S"});
        ASSERT_EQ(inbox->uids(), (V{1, 2}));
        auto view = inbox->open(false);
        EXPECT_EQ(inbox->keywordNames(view->meta({2})[0].keywords),
                  std::vector<std::string>{"$Work"});
    }
    Watcher::instance().pauseForTest(false);
    expectCheckClean(md);
}

}  // namespace
}  // namespace maildex::index
