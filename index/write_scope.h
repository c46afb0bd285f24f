#pragma once
// One write to a user's index, the only way a Folder changes it.
//
// Every writer does the same things in the same order: take the Maildir's database lock,
// open a write transaction, finish the STOREs a dead process left half-done, catch up
// with what other processes committed, insert the folder's pending first-index rows; then
// its own work; commit; apply the committed rows to memory (the catch-up, which is the
// only way memory changes); release the lock; and only then tell the listeners. Folder::
// write does all of it around the writer's work, which gets a WriteScope and nothing
// that could commit, publish or skip a step.
//
// A writer that changes files before its commit says how to take each change back with
// onAbort: when the work or the commit throws, the undo steps run newest first, still
// under the lock (so that no scan of another session sees the half-done state), and then
// the transaction rolls back.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "index/change.h"
#include "index/quota_account.h"

namespace maildex::index {

class Folder;
class Sqlite;

// What a writer needs done before its work. The defaults suit every writer of message
// rows and files; the others say why they differ where they call Folder::write.
struct WriteOptions {
    bool finishStores = true;      // finish interrupted STOREs (store_journal.cpp)
    bool catchUp = true;           // apply what other processes committed, before and after
    bool insertPending = true;     // insert the pending first-index rows
    bool yieldToSessions = false;  // background work: wait until no session waits

    // Only the work: for what no client sees (cached sizes, dates and sort keys) and for
    // the repair after a failed writer, which must not depend on the steps that failed.
    static WriteOptions bare() { return {false, false, false, false}; }
};

class WriteScope {
  public:
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

    Sqlite& db() const { return db_; }

    // Brings a second folder of the same Maildir into the transaction (COPY and MOVE's
    // destination): prepared as the first was, caught up and published after it.
    void join(Folder& other);
    // Takes back a change the transaction covers, should it not commit. Runs under the
    // lock, newest first; an undo step that throws is skipped (the next writer or scan
    // repairs what stays). It may capture only what outlives Folder::write.
    void onAbort(std::function<void()> undo);
    // Runs right after the commit, before memory learns of it (still under the lock).
    void afterCommit(std::function<void()> step);
    // Claims a folder's unclaimed \Recent messages for its first read-write view, which
    // gets them once memory has caught up.
    void claimRecent(Folder& folder);
    // An addition of messages to the Maildir (index/quota_account.h): refused with
    // Error(OverQuota) when it would go over the quota, before the writer places a file;
    // recorded in maildirsize once the transaction has committed.
    void addToQuota(QuotaDelta delta);
    // A removal, recorded once the transaction has committed; never refused.
    void removeFromQuota(QuotaDelta delta);
    // The commit leaves the WAL to the background task that inserts pending rows, rather
    // than copying megabytes into the database while holding the index.
    void deferCheckpoint() { deferCheckpoint_ = true; }

  private:
    friend class Folder;
    struct Member {
        Folder* folder;
        std::vector<ChangeEvent> events;
    };
    WriteScope(Sqlite& db, const WriteOptions& options) : db_(db), options_(options) {}
    void prepare(Folder& folder);
    void abort() noexcept;
    void recordQuota(QuotaDelta delta);

    Sqlite& db_;
    const WriteOptions& options_;
    std::vector<Member> members_;
    std::vector<std::function<void()>> undo_;
    std::vector<std::function<void()>> afterCommit_;
    std::unique_ptr<QuotaAccount> quota_;  // read at the first addition or removal
    Folder* claimedBy_ = nullptr;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> claimed_;
    bool deferCheckpoint_ = false;
};

}  // namespace maildex::index
