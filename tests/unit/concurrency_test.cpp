// Many threads on one folder at once: appends, flag changes, expunges, views syncing,
// deliveries seen by the watcher. Run under SANITIZE=thread to find data races; the
// assertions check that every view stays well formed and ends up where the files are.

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

TEST(Concurrency, WritersReadersAndTheWatcher) {
    test::TempMaildir md;
    for (int i = 0; i < 20; ++i)
        md.deliver("", "m\n", false, "S");
    auto store = Mailstore::open({md.path(), {}});
    auto inbox = store->folder("");
    std::atomic<bool> stop{false};
    std::atomic<int> notifications{0};

    std::vector<std::thread> threads;
    threads.emplace_back([&] {
        for (int i = 0; i < 60; ++i) {
            std::vector<NewMessage> one(1);
            one[0].data = "Subject: t\r\n\r\nx\r\n";
            inbox->append(one);
        }
    });
    threads.emplace_back([&] {
        std::mt19937 rng(1);
        while (!stop) {
            auto uids = inbox->uids();
            if (uids.empty()) continue;
            FlagChange c;
            c.mode = rng() % 2 ? StoreMode::Add : StoreMode::Remove;
            c.flags = rng() % 3 ? flag::Flagged : flag::Deleted;
            if (rng() % 4 == 0) c.keywords = {"$K" + std::to_string(rng() % 5)};
            inbox->store({uids[rng() % uids.size()]}, c);
        }
    });
    threads.emplace_back([&] {
        while (!stop) {
            inbox->expungeDeleted();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    for (int v = 0; v < 2; ++v) {
        threads.emplace_back([&, v] {
            auto view = inbox->open(v == 0, [&](const ChangeEvent&) { ++notifications; });
            while (!stop) {
                view->sync(v == 0);
                const auto& uids = view->uids();
                for (size_t i = 1; i < uids.size(); ++i)
                    ASSERT_LT(uids[i - 1], uids[i]);
                view->meta(uids);
                view->recentCount();
            }
        });
    }
    for (int i = 0; i < 30; ++i) {
        md.deliver("", "Subject: delivered\n\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    threads[0].join();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
    for (size_t i = 1; i < threads.size(); ++i)
        threads[i].join();

    // Settle, then memory must match what a full scan of the files finds.
    inbox->sync(Folder::SyncMode::Full);
    auto view = inbox->open(false);
    size_t files = 0;
    for (const char* sub : {"cur", "new"})
        for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(md.path() / sub))
            ++files;
    EXPECT_EQ(view->exists(), files);
    EXPECT_GT(notifications.load(), 0);
    std::set<std::uint32_t> unique(view->uids().begin(), view->uids().end());
    EXPECT_EQ(unique.size(), view->uids().size());
}

}  // namespace
}  // namespace maildex::index
