// index/private_files: the index (maildex.sqlite and its -wal and -shm) is 0600 whatever
// the umask, in the Maildir and under an index directory, and an older, wider one is
// tightened when it is opened.

#include "index/private_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "index/mailstore.h"
#include "index/schema.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

unsigned modeOf(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

// Runs the test body with the usual umask (022), under which SQLite made 0644 files.
struct UsualUmask {
    mode_t old = ::umask(022);
    ~UsualUmask() { ::umask(old); }
};

TEST(PrivateFiles, ANewIndexAndItsWalAndShmAre0600) {
    UsualUmask umask;
    test::TempMaildir md;
    auto db = md.path() / "maildex.sqlite";
    {
        auto sqlite = openIndex(db);
        sqlite->exec("CREATE TABLE IF NOT EXISTS probe(x); INSERT INTO probe VALUES(1)");
        ASSERT_TRUE(fs::exists(db.string() + "-wal"));
        ASSERT_TRUE(fs::exists(db.string() + "-shm"));
        EXPECT_EQ(modeOf(db), 0600u);
        EXPECT_EQ(modeOf(db.string() + "-wal"), 0600u);
        EXPECT_EQ(modeOf(db.string() + "-shm"), 0600u);
    }
}

TEST(PrivateFiles, AnOlderWiderIndexIsTightenedWhenOpened) {
    UsualUmask umask;
    test::TempMaildir md;
    auto db = md.path() / "maildex.sqlite";
    openIndex(db).reset();
    // As SQLite used to make them, and with -wal and -shm left behind by a crash.
    ::chmod(db.c_str(), 0644);
    std::ofstream(db.string() + "-shm");
    ::chmod((db.string() + "-shm").c_str(), 0664);
    auto sqlite = openIndex(db);
    EXPECT_EQ(modeOf(db), 0600u);
    EXPECT_EQ(modeOf(db.string() + "-shm"), 0600u);
    if (fs::exists(db.string() + "-wal")) {
        EXPECT_EQ(modeOf(db.string() + "-wal"), 0600u);
    }
    // Narrower than 0600 is the administrator's choice: left alone.
    sqlite.reset();
    ::chmod(db.c_str(), 0400);
    makeIndexFilesPrivate(db);
    EXPECT_EQ(modeOf(db), 0400u);
}

TEST(PrivateFiles, AnIndexDirectoryMaildexCreatesIs0700) {
    UsualUmask umask;
    test::TempMaildir md;
    auto dir = md.root() / "var" / "maildex" / "indexes";
    {
        auto store = Mailstore::open({md.path(), dir});
        store->folder("");
    }
    EXPECT_EQ(modeOf(dir), 0700u);
    int databases = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".sqlite") continue;
        ++databases;
        EXPECT_EQ(modeOf(e.path()), 0600u) << e.path();
    }
    EXPECT_EQ(databases, 1);
    // One the administrator made is left as it is.
    auto own = md.root() / "own";
    fs::create_directory(own);
    ::chmod(own.c_str(), 0750);
    createPrivateDirectory(own);
    EXPECT_EQ(modeOf(own), 0750u);
}

}  // namespace
}  // namespace maildex::index
