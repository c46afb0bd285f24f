// core/session: the wakeup a selected folder gives an idling session. It fires once per
// look, not once per change: a bulk delivery to a folder a thousand clients idle on is
// then a thousand wakeups, not a thousand per message.

#include <gtest/gtest.h>

#include <atomic>

#include "core/engine.h"
#include "index/mailstore.h"
#include "index/watcher.h"
#include "tests/support/temp_maildir.h"

namespace maildex::core {
namespace {

struct SessionWakeupTest : ::testing::Test {
    test::TempMaildir md;
    ImapConfig config;
    Engine engine{config, nullptr, {}};
    std::atomic<int> wakes{0};

    void SetUp() override {
        // Only this test's syncs publish changes: the watcher's own, from its thread, would
        // wake the session at moments the expectations cannot know.
        index::Watcher::instance().pauseForTest(true);
        md.deliver("", "first\n");
        engine.session().preauthenticate({"test", md.path()});
        engine.session().setWakeup([this] { ++wakes; });
        engine.start();
        engine.feed("a SELECT INBOX\r\nb IDLE\r\n");
        engine.run();
        ASSERT_NE(engine.output().find("+ idling"), std::string::npos) << engine.output();
        engine.output().clear();
    }
    void TearDown() override {
        engine.session().setWakeup({});
        index::Watcher::instance().pauseForTest(false);
    }

    // As the MDA does it, then as the watcher would notice it: one change each.
    void deliverAndNotice() {
        md.deliver("", "another\n");
        index::Mailstore::open({md.path(), {}})->folder("")->sync(index::Folder::SyncMode::Full);
    }
};

TEST_F(SessionWakeupTest, ManyChangesBeforeALookWakeOnce) {
    for (int i = 0; i < 5; ++i)
        deliverAndNotice();
    EXPECT_EQ(wakes, 1);
    EXPECT_TRUE(engine.session().wakeupPending());

    engine.notifyChanges();
    EXPECT_NE(engine.output().find("* 6 EXISTS"), std::string::npos) << engine.output();
    EXPECT_FALSE(engine.session().wakeupPending());
}

TEST_F(SessionWakeupTest, ALookRearmsTheWakeup) {
    deliverAndNotice();
    engine.notifyChanges();
    deliverAndNotice();
    EXPECT_EQ(wakes, 2);
    engine.output().clear();
    engine.notifyChanges();
    EXPECT_NE(engine.output().find("* 3 EXISTS"), std::string::npos) << engine.output();
}

TEST_F(SessionWakeupTest, AFolderNoLongerSelectedDoesNotWake) {
    md.makeFolder("Other");
    // Kept open, as another session's view or the watcher would keep it.
    auto inbox = index::Mailstore::open({md.path(), {}})->folder("");
    engine.feed("DONE\r\nc SELECT INBOX.Other\r\n");
    engine.run();
    ASSERT_NE(engine.output().find("c OK"), std::string::npos) << engine.output();
    deliverAndNotice();  // into INBOX, which the session left
    EXPECT_EQ(wakes, 0);
    EXPECT_FALSE(engine.session().wakeupPending());
}

}  // namespace
}  // namespace maildex::core
