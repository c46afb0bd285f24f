// index/folder_cache.cpp: values kept for core/ (schema version 2), and file facts and
// paths of many messages at once.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "index/folder.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "index/schema.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::uint32_t>;

struct FolderCacheTest : ::testing::Test {
    test::TempMaildir md;
    std::shared_ptr<Mailstore> open() { return Mailstore::open({md.path(), {}}); }
};

std::vector<std::uint32_t> uidsOf(const std::vector<CachedValue>& values) {
    std::vector<std::uint32_t> out;
    for (const auto& v : values)
        out.push_back(v.uid);
    return out;
}

TEST_F(FolderCacheTest, ValuesArePerFieldAndSurviveReopening) {
    md.deliver("", "Subject: a\n\n", false, "S");
    md.deliver("", "Subject: b\n\n", false, "S");
    {
        auto inbox = open()->folder("");
        inbox->storeCachedValues(7, {{2, std::nullopt, std::string("x\0y\n", 4)}, {1, 0, ""}});
        inbox->storeCachedValues(9, {{1, 42, "other field"}});
    }
    auto inbox = open()->folder("");
    auto seven = inbox->cachedValues(7);
    ASSERT_EQ(uidsOf(seven), (V{1, 2}));
    EXPECT_EQ(seven[0].number, std::optional<std::int64_t>(0));
    EXPECT_EQ(seven[0].bytes, "");
    EXPECT_EQ(seven[1].number, std::nullopt);  // "no value" is not 0
    EXPECT_EQ(seven[1].bytes, std::string("x\0y\n", 4));
    auto nine = inbox->cachedValues(9);
    ASSERT_EQ(uidsOf(nine), (V{1}));
    EXPECT_EQ(nine[0].number, std::optional<std::int64_t>(42));
    EXPECT_TRUE(inbox->cachedValues(8).empty());

    inbox->storeCachedValues(9, {{1, 43, "replaced"}});
    EXPECT_EQ(inbox->cachedValues(9)[0].bytes, "replaced");
}

TEST_F(FolderCacheTest, ValuesGoWithTheirMessage) {
    md.deliver("", "Subject: a\n\n", false, "ST");
    md.deliver("", "Subject: b\n\n", false, "S");
    auto store = open();
    auto inbox = store->folder("");
    inbox->storeCachedValues(1, {{1, 1, "a"}, {2, 2, "b"}});
    inbox->storeCachedValues(2, {{1, 1, "a"}, {2, 2, "b"}});
    EXPECT_EQ(inbox->expungeDeleted(), (V{1}));
    EXPECT_EQ(uidsOf(inbox->cachedValues(1)), (V{2}));
    EXPECT_EQ(uidsOf(inbox->cachedValues(2)), (V{2}));

    // A message another program removed: the scan drops its row, and its values.
    for (const auto& e : fs::directory_iterator(md.path() / "cur"))
        fs::remove(e.path());
    inbox->sync(Folder::SyncMode::Full);
    EXPECT_TRUE(inbox->cachedValues(1).empty());

    // Values computed for a message that left meanwhile are not kept.
    inbox->storeCachedValues(1, {{2, 2, "b"}, {99, 1, "never there"}});
    EXPECT_TRUE(inbox->cachedValues(1).empty());
}

TEST_F(FolderCacheTest, StoringMergesWithWhatIsKept) {
    for (int i = 0; i < 5; ++i)
        md.deliver("", "Subject: x\n\n", false, "S");
    auto inbox = open()->folder("");
    inbox->storeCachedValues(4, {{5, -1, "e"}, {1, 1, "a"}, {3, std::nullopt, "c"}});
    inbox->storeCachedValues(4, {{2, 2, "b"}, {3, 3, "C"}, {4, INT64_MIN, std::string(300, 'd')}});
    auto v = inbox->cachedValues(4);
    ASSERT_EQ(uidsOf(v), (V{1, 2, 3, 4, 5}));
    EXPECT_EQ(v[2].bytes, "C");
    EXPECT_EQ(v[2].number, std::optional<std::int64_t>(3));
    EXPECT_EQ(v[3].number, std::optional<std::int64_t>(INT64_MIN));
    EXPECT_EQ(v[3].bytes, std::string(300, 'd'));
    EXPECT_EQ(v[4].number, std::optional<std::int64_t>(-1));
}

TEST_F(FolderCacheTest, ADamagedRowIsIgnored) {
    md.deliver("", "Subject: x\n\n", false, "S");
    auto inbox = open()->folder("");
    inbox->storeCachedValues(6, {{1, 1, "a"}});
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((md.path() / "maildex.sqlite").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(
            sqlite3_exec(db, "UPDATE cached_values SET data=x'01018F'", nullptr, nullptr, nullptr),
            SQLITE_OK);
        sqlite3_close(db);
    }
    EXPECT_TRUE(inbox->cachedValues(6).empty());
    inbox->storeCachedValues(6, {{1, 2, "again"}});
    EXPECT_EQ(inbox->cachedValues(6).at(0).bytes, "again");
}

TEST_F(FolderCacheTest, ARecreatedFolderStartsWithoutValues) {
    md.makeFolder("Archive");
    md.deliver("Archive", "Subject: a\n\n", false, "S");
    auto store = open();
    store->folder("Archive")->storeCachedValues(1, {{1, 5, "old"}});
    store->remove("Archive");
    store->create("Archive");
    md.deliver("Archive", "Subject: new\n\n", false, "S");
    auto archive = store->folder("Archive");
    archive->sync(Folder::SyncMode::Full);
    ASSERT_EQ(archive->uids(), (V{1}));
    EXPECT_TRUE(archive->cachedValues(1).empty());
}

TEST_F(FolderCacheTest, VersionOneIndexIsMigrated) {
    md.deliver("", "Subject: a\n\n", false, "S");
    open()->folder("");
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((md.path() / "maildex.sqlite").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "DROP TRIGGER pending_rows_gone; DROP TABLE pending_rows; "
                               "DROP TRIGGER message_value_gone; DROP TABLE message_value; "
                               "DROP INDEX message_in_new; DROP TRIGGER cached_values_gone; "
                               "DROP TABLE cached_values; DROP INDEX message_by_modseq; "
                               "CREATE INDEX message_by_modseq ON message(folder_id, modseq); "
                               "PRAGMA user_version=1",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    auto inbox = open()->folder("");
    EXPECT_EQ(inbox->uids(), (V{1}));
    inbox->storeMessageValues(5, {{1, "kept"}});
    EXPECT_EQ(inbox->messageValues(5, {1})[0], "kept");
    inbox->storeCachedValues(3, {{1, 7, "migrated"}});
    EXPECT_EQ(inbox->cachedValues(3).at(0).bytes, "migrated");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((md.path() / "maildex.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
    sqlite3_finalize(st);
    // Version 5: the modseq index covers what a folder loads.
    sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name='message_by_modseq'", -1, &st,
                       nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_NE(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))).find("flags"),
              std::string::npos);
    sqlite3_finalize(st);
    // Version 6: a first index's pending rows.
    sqlite3_prepare_v2(db, "SELECT count(*) FROM pending_rows", -1, &st, nullptr);
    EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST_F(FolderCacheTest, DatesAndSizesOfManyMessagesAtOnce) {
    md.deliver("", "Subject: a\n\nline\n", false, "S", 1600000000);
    md.deliver("", "Subject: b\r\n\r\n", false, "S", 1600000100);
    md.deliver("", "Subject: c\n\n", false, "S", 1600000200);
    auto store = open();
    auto inbox = store->folder("");
    auto dates = inbox->internalDates({1, 2, 3, 4});
    ASSERT_EQ(dates.size(), 4u);
    EXPECT_EQ(dates[0], std::optional<std::int64_t>(1600000000));
    EXPECT_EQ(dates[2], std::optional<std::int64_t>(1600000200));
    EXPECT_FALSE(dates[3]);  // no such message
    auto sizes = inbox->virtualSizes({1, 2, 4});
    EXPECT_EQ(sizes[0], std::optional<std::uint64_t>(20));  // CRLF line ends
    EXPECT_EQ(sizes[1], std::optional<std::uint64_t>(14));
    EXPECT_FALSE(sizes[2]);
    // Cached: the same answers without the files (their dates changed on disk), and
    // what file() says agrees.
    for (const auto& e : fs::directory_iterator(md.path() / "cur"))
        fs::last_write_time(e.path(), fs::file_time_type::clock::now());
    EXPECT_EQ(inbox->internalDates({2, 3}),
              (std::vector<std::optional<std::int64_t>>{1600000100, 1600000200}));
    EXPECT_EQ(inbox->virtualSizes({3})[0], std::optional<std::uint64_t>(14));
    EXPECT_EQ(inbox->file(1).vsize, 20u);
    EXPECT_EQ(inbox->file(1).size, 17u);
    EXPECT_EQ(inbox->file(3).internalDate, 1600000200);
}

TEST_F(FolderCacheTest, RenamedFilesAreFound) {
    auto name = md.deliver("", "Subject: a\n\n", false, "S", 1600000000);
    auto store = open();
    auto inbox = store->folder("");
    auto paths = inbox->lastKnownPaths({1, 2});
    ASSERT_TRUE(paths[0]);
    EXPECT_FALSE(paths[1]);
    EXPECT_EQ(*paths[0], md.path() / "cur" / name);
    // Another program sets a flag: the last known path is stale; the file is looked for.
    auto renamed = md.path() / "cur" / (name.substr(0, name.find(':')) + ":2,FS");
    fs::rename(*paths[0], renamed);
    EXPECT_EQ(inbox->internalDates({1})[0], std::optional<std::int64_t>(1600000000));
}

// Paths come from one range read when the UIDs are dense between the first and the last,
// and from one lookup each when they are sparse; both give the same answers.
TEST_F(FolderCacheTest, PathsOfDenseAndSparseUidSets) {
    std::vector<std::string> names;
    for (int i = 0; i < 40; ++i)
        names.push_back(md.deliver("", "Subject: m\n\n", false, "S", 1600000000 + i));
    auto store = open();
    auto inbox = store->folder("");
    auto dense = inbox->lastKnownPaths({10, 11, 12, 14});
    auto sparse = inbox->lastKnownPaths({2, 39, 41});
    ASSERT_EQ(dense.size(), 4u);
    EXPECT_EQ(dense[0], md.path() / "cur" / names[9]);
    EXPECT_EQ(dense[3], md.path() / "cur" / names[13]);
    ASSERT_EQ(sparse.size(), 3u);
    EXPECT_EQ(sparse[0], md.path() / "cur" / names[1]);
    EXPECT_EQ(sparse[1], md.path() / "cur" / names[38]);
    EXPECT_FALSE(sparse[2]);
    EXPECT_TRUE(inbox->lastKnownPaths({}).empty());
}

TEST_F(FolderCacheTest, MessageValuesArePerMessageAndField) {
    for (int i = 0; i < 30; ++i)
        md.deliver("", "Subject: m\n\n", false, "S");
    {
        auto inbox = open()->folder("");
        inbox->storeMessageValues(1, {{2, "two"}, {3, std::string("t\0ree", 5)}, {99, "none"}});
        inbox->storeMessageValues(2, {{2, "other field"}});
        inbox->storeMessageValues(1, {{2, "replaced"}});
    }
    auto inbox = open()->folder("");
    using O = std::vector<std::optional<std::string>>;
    // Dense (one range read) and sparse (one lookup each) sets.
    EXPECT_EQ(inbox->messageValues(1, {1, 2, 3}),
              (O{std::nullopt, "replaced", std::string("t\0ree", 5)}));
    EXPECT_EQ(inbox->messageValues(1, {3, 30, 99}),
              (O{std::string("t\0ree", 5), std::nullopt, std::nullopt}));
    EXPECT_EQ(inbox->messageValues(2, {2}), (O{"other field"}));
    EXPECT_TRUE(inbox->messageValues(1, {}).empty());
}

TEST_F(FolderCacheTest, MessageValuesGoWithTheirMessage) {
    md.deliver("", "Subject: a\n\n", false, "ST");
    md.deliver("", "Subject: b\n\n", false, "S");
    auto store = open();
    auto inbox = store->folder("");
    inbox->storeMessageValues(1, {{1, "a"}, {2, "b"}});
    EXPECT_EQ(inbox->expungeDeleted(), (V{1}));
    using O = std::vector<std::optional<std::string>>;
    EXPECT_EQ(inbox->messageValues(1, {1, 2}), (O{std::nullopt, "b"}));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((md.path() / "maildex.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM message_value", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), 1);  // the row of the expunged message is gone
    sqlite3_finalize(st);
    sqlite3_close(db);
}

}  // namespace
}  // namespace maildex::index
