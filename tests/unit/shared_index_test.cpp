// Courier's shared-folder index (IMAP_SHAREDINDEXFILE): the lines it takes, the ones it
// skips, account groups, and how a #shared name finds its account.

#include "core/shared_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace maildex::core {
namespace {

class SharedIndexTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/maildex-shared-index-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
        return dir_ / name;
    }
    SharedAccounts parse(const std::filesystem::path& file) {
        warnings_.clear();
        return parseSharedIndex(file, [&](const std::string& w) { warnings_.push_back(w); });
    }
    std::filesystem::path dir_;
    std::vector<std::string> warnings_;
};

TEST_F(SharedIndexTest, TakesCourierLinesWithTheDefaultMaildir) {
    auto file = write("index",
                      "alice\t1000\t1000\t/home/alice\n"
                      "bob\t1001\t1002\t/home/bob\tMail/box\n");
    auto accounts = parse(file);
    ASSERT_EQ(accounts.size(), 2u);
    EXPECT_EQ(accounts[0].path, "alice");
    EXPECT_EQ(accounts[0].maildir, "/home/alice/Maildir");
    EXPECT_EQ(accounts[0].ownerLogin, "vendor=courier.internal");
    EXPECT_EQ(accounts[1].uid, 1001u);
    EXPECT_EQ(accounts[1].gid, 1002u);
    EXPECT_EQ(accounts[1].maildir, "/home/bob/Mail/box");
    EXPECT_TRUE(warnings_.empty());
}

TEST_F(SharedIndexTest, SkipsWhatCourierRejectsAndSaysWhere) {
    auto file = write("index",
                      "root\t0\t0\t/root\n"    // uid 0
                      "x\tabc\t1\t/home/x\n"   // not a number
                      "short\t1\t1\n"          // a field missing
                      "a.b\t1\t1\t/home/ab\n"  // '.' would split the name
                      "rel\t1\t1\thome/rel\n"  // not absolute
                      "good\t5\t5\t/home/good\n");
    auto accounts = parse(file);
    ASSERT_EQ(accounts.size(), 1u);
    EXPECT_EQ(accounts[0].path, "good");
    ASSERT_EQ(warnings_.size(), 5u);
    EXPECT_NE(warnings_[0].find("index:1"), std::string::npos) << warnings_[0];
    EXPECT_NE(warnings_[4].find("index:5"), std::string::npos) << warnings_[4];
}

TEST_F(SharedIndexTest, MissingFileIsAnEmptyIndex) {
    EXPECT_TRUE(parse(dir_ / "nothing").empty());
    EXPECT_TRUE(warnings_.empty());
}

TEST_F(SharedIndexTest, GroupFilesNameTheirAccountsBelowTheGroup) {
    write("team", "alice\t7\t7\t/home/alice\n");
    auto file = write("index", "team\t*\tteam\ncarol\t8\t8\t/home/carol\n");
    auto accounts = parse(file);
    ASSERT_EQ(accounts.size(), 2u);
    EXPECT_EQ(accounts[0].path, "team.alice");
    EXPECT_EQ(accounts[0].ownerLogin, "team");
    EXPECT_EQ(accounts[1].path, "carol");
}

TEST_F(SharedIndexTest, FindsTheAccountOfANameExactly) {
    write("team", "alice\t7\t7\t/home/alice\n");
    auto accounts = parse(write("index", "alice\t1\t1\t/a\nteam\t*\tteam\n"));
    std::string_view rest;
    auto* a = findSharedAccount(accounts, "#shared.alice.Work.Sub", rest);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->path, "alice");
    EXPECT_EQ(rest, "Work.Sub");
    a = findSharedAccount(accounts, "#shared.team.alice.Work", rest);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->path, "team.alice");
    EXPECT_EQ(rest, "Work");
    a = findSharedAccount(accounts, "#shared.alice", rest);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(rest, "");
    // Case, a longer name, a trailing delimiter and other namespaces find nothing.
    EXPECT_EQ(findSharedAccount(accounts, "#shared.ALICE.Work", rest), nullptr);
    EXPECT_EQ(findSharedAccount(accounts, "#shared.alicex.Work", rest), nullptr);
    EXPECT_EQ(findSharedAccount(accounts, "#shared.alice.", rest), nullptr);
    EXPECT_EQ(findSharedAccount(accounts, "#SHARED.alice.Work", rest), nullptr);
    EXPECT_EQ(findSharedAccount(accounts, "INBOX.alice", rest), nullptr);
}

TEST_F(SharedIndexTest, CacheReadsAChangedFileAgain) {
    auto file = write("index", "alice\t1\t1\t/a\n");
    EXPECT_EQ(sharedIndex(file)->size(), 1u);
    // A different size (and inode, through the rename) even within the same second.
    write("index.new", "alice\t1\t1\t/a\nbob\t2\t2\t/b\n");
    std::filesystem::rename(dir_ / "index.new", file);
    EXPECT_EQ(sharedIndex(file)->size(), 2u);
}

}  // namespace
}  // namespace maildex::core
