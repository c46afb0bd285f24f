// index/watcher: changes made by other programs reach subscribers without anyone asking,
// through inotify, or through the periodic check when inotify is off or overflowed.

#include "index/watcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>

#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Collects a folder's events and lets the test wait for a condition on them.
class EventLog {
  public:
    explicit EventLog(Folder& folder)
        : sub_(folder.subscribe([this](const ChangeEvent& e) {
              std::lock_guard lock(mu_);
              events_.push_back(e);
              cv_.notify_all();
          })) {}

    size_t count(ChangeEvent::Kind kind) {
        std::lock_guard lock(mu_);
        return countLocked(kind);
    }
    // Waits until the events of `kind` cover `uids` UIDs in all.
    bool waitFor(ChangeEvent::Kind kind, size_t uids, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return countLocked(kind) >= uids; });
    }

  private:
    size_t countLocked(ChangeEvent::Kind kind) {
        size_t n = 0;
        for (const auto& e : events_)
            if (e.kind == kind) n += e.uids.size();
        return n;
    }
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<ChangeEvent> events_;
    std::shared_ptr<void> sub_;
};

struct WatcherTest : ::testing::Test {
    test::TempMaildir md;
    void TearDown() override { Watcher::configure({}); }
};

TEST_F(WatcherTest, DeliveryIsSeenThroughInotify) {
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    EventLog log(*inbox);
    md.deliver("", "Subject: hello\n\nworld\n");
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Added, 1));
    EXPECT_EQ(inbox->uids(), std::vector<std::uint32_t>{1});
}

TEST_F(WatcherTest, DeliveryIsSeenByThePeriodicCheckWithoutInotify) {
    Watcher::configure({false, 100ms, 100ms});
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    EventLog log(*inbox);
    md.deliver("", "Subject: hello\n\nworld\n");
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Added, 1));
}

TEST_F(WatcherTest, ExternalFlagRenameAndDelete) {
    auto a = md.deliver("", "a\n", false, "");
    auto b = md.deliver("", "b\n", false, "");
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    EventLog log(*inbox);
    fs::rename(md.path() / "cur" / a, md.path() / "cur" / (a.substr(0, a.find(':')) + ":2,S"));
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::FlagsChanged, 1));
    fs::remove(md.path() / "cur" / b);
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Expunged, 1));
    auto view = inbox->open(false);
    EXPECT_EQ(view->uids(), std::vector<std::uint32_t>{1});
    EXPECT_EQ(view->meta({1})[0].flags, flag::Seen);
}

TEST_F(WatcherTest, NewMailGoesToCurWithRecentForAnIdleSession) {
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    auto view = inbox->open(true);
    EventLog log(*inbox);
    auto name = md.deliver("", "Subject: hello\n\n");
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Added, 1));
    auto up = view->sync(true);
    EXPECT_TRUE(up.existsChanged);
    EXPECT_TRUE(view->isRecent(1));
    EXPECT_TRUE(fs::is_empty(md.path() / "new"));
    EXPECT_TRUE(fs::exists(md.path() / "cur" / (name + ":2,")));
}

// A folder whose last scan is still current gets its inotify watch from the watcher's
// thread, a moment after opening; a delivery in that moment is found by the check that
// follows the watch (new/'s mtime moved away from the 2-second-old one of the scan).
TEST_F(WatcherTest, ADeliveryBeforeADeferredWatchIsSeen) {
    md.deliver("", "Subject: old\n\n", false, "S");
    auto old = fs::file_time_type::clock::now() - 10s;
    for (const auto* sub : {"new", "cur"})
        fs::last_write_time(md.path() / sub, old);
    Mailstore::open({md.path(), {}})->folder("")->sync(Folder::SyncMode::Full);

    Watcher::instance().pauseForTest(true);  // the thread adds no watch while paused
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    EventLog log(*inbox);
    md.deliver("", "Subject: new\n\n", true);
    Watcher::instance().pauseForTest(false);
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Added, 1));
    EXPECT_EQ(inbox->messageCount(), 2u);
    // And the watch is in place: the next delivery comes through inotify.
    md.deliver("", "Subject: newer\n\n", true);
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Added, 2));
    EXPECT_EQ(Watcher::instance().stats().unwatchedFolders, 0u);
}

// A user whose sessions all wait has its index database closed (Mailstore::releaseMemory
// at IDLE); a delivery still reaches the subscribers, the database opening again for it.
TEST_F(WatcherTest, ADeliveryReachesTheSubscribersOfAClosedIndex) {
    auto store = Mailstore::open({md.path(), {}});
    auto inbox = store->folder("");
    EventLog log(*inbox);
    store->releaseMemory();
    ASSERT_FALSE(store->databaseOpen());
    md.deliver("", "Subject: new\n\n", true);
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Added, 1));
    EXPECT_EQ(inbox->messageCount(), 1u);
}

// The periodic check does not open a closed index to confirm what the folder already
// knows, and does open it when a directory moved.
TEST_F(WatcherTest, ThePeriodicCheckOpensAClosedIndexOnlyForAChange) {
    Watcher::configure({.inotify = false, .pollInterval = 1h, .unwatchedPollInterval = 1h});
    md.deliver("", "Subject: old\n\n", false, "S");
    auto old = fs::file_time_type::clock::now() - 10s;
    for (const auto* sub : {"new", "cur"})
        fs::last_write_time(md.path() / sub, old);
    auto store = Mailstore::open({md.path(), {}});
    auto inbox = store->folder("");
    store->releaseMemory();
    inbox->periodicCheck();
    EXPECT_FALSE(store->databaseOpen());
    md.deliver("", "Subject: new\n\n", true);
    inbox->periodicCheck();
    EXPECT_TRUE(store->databaseOpen());
    EXPECT_EQ(inbox->messageCount(), 2u);
}

TEST_F(WatcherTest, QueueOverflowLeadsToAFullRescan) {
    int limit = 16384;
    std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> limit;
    if (limit > 100000) GTEST_SKIP() << "max_queued_events is " << limit;
    auto inbox = Mailstore::open({md.path(), {}})->folder("");
    EventLog log(*inbox);
    auto before = Watcher::instance().stats().overflows;
    Watcher::instance().pauseForTest(true);
    // More files than the kernel queues events for, created while nobody reads them.
    const int files = limit + 500;
    for (int i = 0; i < files; ++i) {
        auto name = std::to_string(1700000000 + i) + ".M" + std::to_string(i) + ".flood";
        std::ofstream(md.path() / "tmp" / name) << "x\n";
        fs::rename(md.path() / "tmp" / name, md.path() / "new" / name);
    }
    Watcher::instance().pauseForTest(false);
    ASSERT_TRUE(log.waitFor(ChangeEvent::Kind::Added, static_cast<size_t>(files), 60s));
    EXPECT_GT(Watcher::instance().stats().overflows, before);
    EXPECT_EQ(inbox->messageCount(), static_cast<std::uint32_t>(files));
    // The rescan of other folders may still run; let it finish before the Maildir goes.
    Watcher::instance().pauseForTest(true);
    inbox.reset();
    Watcher::instance().pauseForTest(false);
}

}  // namespace
}  // namespace maildex::index
