// index/check: every kind of difference between index, files and Courier-format mirror
// is found (and only with damage), said in words, and repaired.

#include "index/check.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <functional>

#include "index/courier_uiddb.h"
#include "index/mailbox_view.h"
#include "index/maildir_settings.h"
#include "index/mailstore.h"
#include "index/watcher.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using K = DifferenceKind;

void sql(const fs::path& maildir, const std::string& text) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((maildir / "maildex.sqlite").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

void append(const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::app) << text;
}

fs::path fileOf(const fs::path& dir, const std::string& base) {
    for (const auto& sub : {"cur", "new"})
        for (const auto& e : fs::directory_iterator(dir / sub))
            if (e.path().filename().string().rfind(base, 0) == 0) return e.path();
    return {};
}

struct CheckTest : ::testing::Test {
    test::TempMaildir md;
    std::vector<std::string> bases;

    void SetUp() override {
        for (int i = 0; i < 3; ++i) {
            auto n = md.deliver("", "Subject: " + std::to_string(i) + "\n\n", false, "S",
                                1700000000 + i);
            bases.push_back(n.substr(0, n.find(':')));
        }
        md.makeFolder("Sent");
        md.deliver("Sent", "Subject: s\n\n", false, "S");
        {
            auto store = Mailstore::open({md.path(), {}});
            auto inbox = store->folder("");
            FlagChange kw;
            kw.keywords = {"$Label1"};
            inbox->store({2}, kw);
            inbox->writeMirrors();
            store->folder("Sent");
            store->setSubscribed("Sent", true);
            store->setSetting("special-use:Sent", "\\Sent");
        }
        // The watcher thread may still be reacting to these changes and hold the last
        // reference to a folder, whose index it would then close (and checkpoint) in the
        // middle of a test that damages or watches the files. Wait until it holds none.
        Watcher::instance().pauseForTest(true);
        Watcher::instance().pauseForTest(false);
    }

    CheckReport check() { return checkMaildir({md.path(), {}, {}}); }

    // Damages the Maildir, expects `kind` (with `words` in its text), repairs, expects
    // a clean check.
    void expectFoundAndRepaired(K kind, const std::string& words,
                                const std::function<void()>& damageIt) {
        ASSERT_TRUE(check().differences.empty()) << check().differences[0].text;
        damageIt();
        auto found = check();
        bool seen = false;
        for (const auto& d : found.differences)
            if (d.kind == kind && d.text.find(words) != std::string::npos) seen = true;
        std::string all;
        for (const auto& d : found.differences)
            all += d.text + "\n";
        EXPECT_TRUE(seen) << "wanted '" << words << "' in:\n" << all;
        auto repaired = repairMaildir({md.path(), {}, {}}, found);
        EXPECT_FALSE(repaired.actions.empty());
        auto again = check();
        EXPECT_TRUE(again.differences.empty()) << again.differences[0].text;
    }
};

TEST_F(CheckTest, AConsistentMaildirHasNoDifferences) {
    auto r = check();
    EXPECT_TRUE(r.differences.empty());
    EXPECT_EQ(r.folders, 2u);
    EXPECT_EQ(r.messages, 4u);
}

TEST_F(CheckTest, NoIndex) {
    expectFoundAndRepaired(K::NoIndex, "there is no index", [&] {
        for (const char* f : {"maildex.sqlite", "maildex.sqlite-wal", "maildex.sqlite-shm"})
            fs::remove(md.path() / f);
    });
    EXPECT_EQ(Mailstore::open({md.path(), {}})->setting("special-use:Sent"), "\\Sent");
}

TEST_F(CheckTest, DamagedIndexIsRebuiltFromTheMirror) {
    expectFoundAndRepaired(K::IndexDamaged, "cannot be read", [&] {
        for (const char* f : {"maildex.sqlite-wal", "maildex.sqlite-shm"})
            fs::remove(md.path() / f);
        std::ofstream(md.path() / "maildex.sqlite", std::ios::trunc) << std::string(8192, 'x');
    });
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    EXPECT_EQ(inbox->uids(), (std::vector<std::uint32_t>{1, 2, 3}));
    auto view = inbox->open(false);
    EXPECT_EQ(inbox->keywordNames(view->meta({2})[0].keywords),
              (std::vector<std::string>{"$Label1"}));
    bool aside = false;
    for (const auto& e : fs::directory_iterator(md.path()))
        aside = aside || e.path().filename().string().rfind("maildex.sqlite.damaged-", 0) == 0;
    EXPECT_TRUE(aside);
}

TEST_F(CheckTest, FolderNotIndexed) {
    expectFoundAndRepaired(K::FolderNotIndexed, "'Drafts' has never been indexed",
                           [&] { md.makeFolder("Drafts"); });
}

TEST_F(CheckTest, FolderGone) {
    expectFoundAndRepaired(K::FolderGone, "whose directory is gone",
                           [&] { fs::remove_all(md.folderDir("Sent")); });
}

TEST_F(CheckTest, FileNotIndexed) {
    expectFoundAndRepaired(K::FileNotIndexed, "has no UID in the index", [&] {
        md.deliver("", "Subject: sneaked in\n\n", false, "", 1700000100);
    });
}

TEST_F(CheckTest, IndexedFileGone) {
    expectFoundAndRepaired(K::IndexedFileGone, "UID 3 (file " + bases[2] + ") is in the index",
                           [&] { fs::remove(fileOf(md.path(), bases[2])); });
}

TEST_F(CheckTest, FlagsDiffer) {
    expectFoundAndRepaired(K::FlagsDiffer, "UID 1: the file name says flagged, seen", [&] {
        auto f = fileOf(md.path(), bases[0]);
        fs::rename(f, md.path() / "cur" / (bases[0] + ":2,FS"));
    });
}

TEST_F(CheckTest, UidNextTooLow) {
    expectFoundAndRepaired(K::UidNextTooLow, "is not above its highest UID 3",
                           [&] { sql(md.path(), "UPDATE folder SET uidnext=2 WHERE name=''"); });
}

TEST_F(CheckTest, UidDbMissing) {
    expectFoundAndRepaired(K::UidDbMissing, "courierimapuiddb is missing",
                           [&] { fs::remove(md.path() / "courierimapuiddb"); });
}

TEST_F(CheckTest, UidDbDamaged) {
    expectFoundAndRepaired(K::UidDbDamaged, "courierimapuiddb: line 5",
                           [&] { append(md.path() / "courierimapuiddb", "garbage\n"); });
}

TEST_F(CheckTest, UidDbUidValidity) {
    expectFoundAndRepaired(K::UidDbUidValidity, "courierimapuiddb says UIDVALIDITY 12345", [&] {
        auto db = *readCourierUidDb(md.path());
        db.uidValidity = 12345;
        writeCourierUidDb(md.path(), db);
    });
}

TEST_F(CheckTest, UidDbNextUidAhead) {
    expectFoundAndRepaired(K::UidDbNextUid, "is below courierimapuiddb's 50", [&] {
        auto db = *readCourierUidDb(md.path());
        db.nextUid = 50;
        writeCourierUidDb(md.path(), db);
    });
    EXPECT_EQ(Mailstore::open({md.path(), {}})->folder("")->uidNext(), 50u);  // never back
}

TEST_F(CheckTest, UidDbEntry) {
    expectFoundAndRepaired(K::UidDbEntry, "UID 2 (file " + bases[1] + ") is missing from", [&] {
        auto db = *readCourierUidDb(md.path());
        db.entries.erase(db.entries.begin() + 1);
        writeCourierUidDb(md.path(), db);
    });
}

TEST_F(CheckTest, KeywordsDamaged) {
    expectFoundAndRepaired(K::KeywordsDamaged, "courierimapkeywords/:list", [&] {
        append(md.path() / "courierimapkeywords" / ":list", "no colon here\n");
    });
}

TEST_F(CheckTest, KeywordsDiffer) {
    expectFoundAndRepaired(
        K::KeywordsDiffer,
        "UID 3: the index has no keywords, courierimapkeywords/ has keywords "
        "Sneaky",
        [&] { std::ofstream(md.path() / "courierimapkeywords" / bases[2]) << "Sneaky\n"; });
}

TEST_F(CheckTest, SubscriptionsDiffer) {
    expectFoundAndRepaired(
        K::SubscriptionsDiffer, "'Elsewhere' is in courierimapsubscribed but not subscribed",
        [&] { append(md.path() / "courierimapsubscribed", "INBOX.Elsewhere\n"); });
}

TEST_F(CheckTest, SettingsDiffer) {
    expectFoundAndRepaired(K::SettingsDiffer, "'special-use:Sent' is in the index but not", [&] {
        writeMaildirSettings(md.path(), {{"other", "x"}});
    });
}

TEST_F(CheckTest, CheckingChangesNothing) {
    fs::remove(md.path() / "courierimapuiddb");
    append(md.path() / "courierimapsubscribed", "INBOX.Elsewhere\n");
    auto before = fs::last_write_time(md.path() / "maildex.sqlite");
    EXPECT_EQ(check().differences.size(), 2u);
    EXPECT_FALSE(fs::exists(md.path() / "courierimapuiddb"));
    EXPECT_EQ(fs::last_write_time(md.path() / "maildex.sqlite"), before);
}

}  // namespace
}  // namespace maildex::index
