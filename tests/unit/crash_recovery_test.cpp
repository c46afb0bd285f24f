// Crash injection: a separate process dies (_exit) at a named point between changing the
// files and committing the index, or after committing but before cleaning up. Whatever
// it left, a fresh open must be consistent with the files and must have lost no message.

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "tests/support/process.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

struct Dump {
    std::string uidValidity;
    std::map<std::uint32_t, std::string> messages;  // uid → "letters keywords"
};

Dump dump(const test::TempMaildir& md, const std::string& folder) {
    std::string out;
    EXPECT_EQ(test::run({INDEX_HELPER, md.path().string(), "dump", folder}, &out), 0);
    Dump d;
    std::istringstream in(out);
    std::string word;
    std::uint32_t next;
    in >> word >> d.uidValidity >> word >> next;
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

struct CrashTest : ::testing::Test {
    test::TempMaildir md;
    void SetUp() override {
        md.makeFolder("Archive");
        for (int i = 0; i < 3; ++i)
            md.deliver("", "Subject: " + std::to_string(i) + "\n\nx\n", false, "S");
        ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "select", "INBOX"}), 0);
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

TEST_F(CrashTest, MoveDiesAfterCommitKeepsBothCopies) {
    EXPECT_EQ(crashDuring(md, "move-after-commit", {"move", "INBOX", "Archive", "3"}), 86);
    auto archive = dump(md, "Archive");
    auto inbox = dump(md, "INBOX");
    EXPECT_EQ(archive.messages.size(), 1u);
    // The source file was not yet removed: the message is in both, never in neither.
    EXPECT_EQ(fileCount(md.path()), 3u);
    EXPECT_EQ(inbox.messages.size(), 3u);
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

}  // namespace
}  // namespace maildex::index
