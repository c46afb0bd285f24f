// Several processes on one Maildir at once: two writers never hand out the same UID, and
// what one process did is what another sees.

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "index/courier_uiddb.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "tests/support/process.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

TEST(MultiProcess, ConcurrentAppendersNeverShareAUid) {
    test::TempMaildir md;
    md.deliver("", "Subject: first\n\n");
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "select", "INBOX"}), 0);
    std::vector<test::Child> writers;
    for (int i = 0; i < 3; ++i)
        writers.push_back(
            test::spawn({INDEX_HELPER, md.path().string(), "append", "INBOX", "60"}, false));
    for (auto& w : writers)
        EXPECT_EQ(test::wait(w), 0);

    std::string out;
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "dump", "INBOX"}, &out), 0);
    std::istringstream in(out);
    std::string line;
    std::set<std::uint32_t> uids;
    int lines = 0;
    while (std::getline(in, line)) {
        if (line.rfind("uid", 0) == 0) continue;
        uids.insert(static_cast<std::uint32_t>(std::stoul(line)));
        ++lines;
    }
    EXPECT_EQ(lines, 181);
    EXPECT_EQ(uids.size(), 181u);
    EXPECT_EQ(*uids.rbegin(), 181u);
    // The Courier-format mirror agrees.
    auto mirror = readCourierUidDb(md.path());
    ASSERT_TRUE(mirror);
    std::set<std::uint32_t> mirrored;
    for (const auto& [uid, base] : mirror->entries)
        mirrored.insert(uid);
    EXPECT_EQ(mirrored, uids);
    EXPECT_EQ(mirror->nextUid, 182u);
}

TEST(MultiProcess, ChangesOfAnotherProcessReachThisOne) {
    test::TempMaildir md;
    md.makeFolder("Archive");
    for (int i = 0; i < 3; ++i)
        md.deliver("", "m\n", false, "");
    auto store = Mailstore::open({md.path(), {}});
    auto inbox = store->folder("");
    auto view = inbox->open(true);
    ASSERT_EQ(
        test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "2", "+", "F", "$Label1"}),
        0);
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "move", "INBOX", "Archive", "3"}), 0);
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "append", "INBOX", "1"}), 0);
    inbox->catchUp();
    auto up = view->sync(true);
    EXPECT_EQ(up.expungedUids, std::vector<std::uint32_t>{3});
    EXPECT_EQ(up.changedUids, std::vector<std::uint32_t>{2});
    EXPECT_TRUE(up.existsChanged);
    EXPECT_EQ(view->uids(), (std::vector<std::uint32_t>{1, 2, 4}));
    auto m = view->meta({2})[0];
    EXPECT_EQ(m.flags, flag::Flagged);
    EXPECT_EQ(inbox->keywordNames(m.keywords), std::vector<std::string>{"$Label1"});
}

}  // namespace
}  // namespace maildex::index
