// index/mailbox_view: per-session sequence numbers and when changes are reported.

#include "index/mailbox_view.h"

#include <gtest/gtest.h>

#include "index/mailstore.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

using V = std::vector<std::uint32_t>;

struct ViewTest : ::testing::Test {
    test::TempMaildir md;
    std::shared_ptr<Mailstore> store;
    std::shared_ptr<Folder> inbox;
    void SetUp() override {
        for (int i = 0; i < 4; ++i)
            md.deliver("", "m\n", false, "S");
        store = Mailstore::open({md.path(), {}});
        inbox = store->folder("");
    }
    void deleteAndExpunge(const V& uids) {
        inbox->store(uids, FlagChange{StoreMode::Add, flag::Deleted, {}, {}});
        inbox->expungeDeleted();
    }
};

TEST_F(ViewTest, ExpungesAreHeldBackUntilAllowed) {
    auto a = inbox->open(true);
    auto b = inbox->open(true);
    deleteAndExpunge({2, 3});
    auto up = a->sync(false);
    EXPECT_TRUE(up.expungedSeqs.empty());
    EXPECT_EQ(a->exists(), 4u);
    EXPECT_TRUE(a->meta({2})[0].expunged);
    up = a->sync(true);
    EXPECT_EQ(up.expungedSeqs, (V{2, 2}));
    EXPECT_EQ(up.expungedUids, (V{2, 3}));
    EXPECT_EQ(a->uids(), (V{1, 4}));
    up = b->sync(true);
    EXPECT_EQ(up.expungedSeqs, (V{2, 2}));
}

TEST_F(ViewTest, AdditionsDuringHeldExpunges) {
    auto a = inbox->open(true);
    deleteAndExpunge({1});
    md.deliver("", "new\n");
    inbox->sync(Folder::SyncMode::Full);
    auto up = a->sync(false);
    EXPECT_TRUE(up.existsChanged);
    EXPECT_EQ(a->uids(), (V{1, 2, 3, 4, 5}));  // 1 still numbered, 5 added
    up = a->sync(true);
    EXPECT_EQ(up.expungedSeqs, V{1});
    EXPECT_EQ(a->uids(), (V{2, 3, 4, 5}));
}

TEST_F(ViewTest, ReadOnlyViewsShowUnclaimedRecentAndClaimNone) {
    // EXAMINE (RFC 3501 6.3.2): the messages no session has claimed are \Recent to a
    // read-only view, which leaves them to the first read-write one.
    auto examine = inbox->open(false);
    EXPECT_EQ(examine->recentCount(), 4u);
    EXPECT_EQ(inbox->status().recent, 4u);
    auto select = inbox->open(true);
    EXPECT_EQ(select->recentCount(), 4u);
    EXPECT_EQ(inbox->open(false)->recentCount(), 0u);
    EXPECT_EQ(examine->recentCount(), 4u);  // what it was shown stays
    // A delivery while a read-write view is open is claimed by it.
    md.deliver("", "new\n");
    inbox->sync(Folder::SyncMode::Full);
    auto up = examine->sync(true);
    EXPECT_TRUE(up.existsChanged);
    EXPECT_FALSE(examine->isRecent(5));
    select->sync(true);
    EXPECT_TRUE(select->isRecent(5));
    // With none open, a delivery stays unclaimed: \Recent to the read-only view.
    select.reset();
    md.deliver("", "newer\n");
    inbox->sync(Folder::SyncMode::Full);
    up = examine->sync(true);
    EXPECT_TRUE(up.recentChanged);
    EXPECT_TRUE(examine->isRecent(6));
    EXPECT_EQ(examine->recentCount(), 5u);
    EXPECT_EQ(inbox->status().recent, 1u);
}

TEST_F(ViewTest, FlagChangesAreReportedOnceAndSilentOnesNot) {
    auto a = inbox->open(true);
    auto b = inbox->open(true);
    auto r = inbox->store({1}, FlagChange{StoreMode::Add, flag::Flagged, {}, {}});
    a->suppressOwnChange(r.modseq);
    EXPECT_TRUE(a->sync(true).changedUids.empty());
    EXPECT_EQ(b->sync(true).changedUids, V{1});
    EXPECT_TRUE(b->sync(true).changedUids.empty());
    b->reportFlags({3});
    EXPECT_EQ(b->sync(true).changedUids, V{3});
}

TEST_F(ViewTest, UpToDateViewsShareTheFolderList) {
    auto a = inbox->open(false);
    auto b = inbox->open(false);
    EXPECT_EQ(&a->uids(), &b->uids());
    md.deliver("", "new\n");
    inbox->sync(Folder::SyncMode::Full);
    a->sync(true);
    b->sync(true);
    EXPECT_EQ(&a->uids(), &b->uids());
    EXPECT_EQ(a->exists(), 5u);
}

TEST_F(ViewTest, UnreportedChangesCountWhatTheNextSyncReports) {
    auto a = inbox->open(true);
    EXPECT_EQ(a->unreportedChanges(), 0u);
    inbox->store({1, 2, 3}, FlagChange{StoreMode::Add, flag::Flagged, {}, {}});
    md.deliver("", "new\n");
    inbox->sync(Folder::SyncMode::Full);
    EXPECT_EQ(a->unreportedChanges(), 4u);
    a->sync(true);
    EXPECT_EQ(a->unreportedChanges(), 0u);
    // Too far behind for the folder's log: it cannot tell, and says so.
    for (int i = 0; i < 1100; ++i)
        inbox->store(
            {1}, FlagChange{i % 2 ? StoreMode::Add : StoreMode::Remove, flag::Answered, {}, {}});
    EXPECT_EQ(a->unreportedChanges(), SIZE_MAX);
    a->sync(true);
    EXPECT_EQ(a->unreportedChanges(), 0u);
}

TEST_F(ViewTest, ListenersHearEveryChange) {
    std::vector<ChangeEvent> events;
    auto sub = inbox->subscribe([&](const ChangeEvent& e) { events.push_back(e); });
    inbox->store({1}, FlagChange{StoreMode::Add, flag::Flagged, {}, {}});
    deleteAndExpunge({2});
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].kind, ChangeEvent::Kind::FlagsChanged);
    EXPECT_EQ(events[2].kind, ChangeEvent::Kind::Expunged);
    EXPECT_EQ(events[2].uids, V{2});
    EXPECT_LT(events[0].modseq, events[2].modseq);
}

}  // namespace
}  // namespace maildex::index
