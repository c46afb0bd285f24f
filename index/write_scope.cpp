// Folder::write and its scope (see write_scope.h for the order every writer follows).

#include "index/write_scope.h"

#include "base/log.h"
#include "index/error.h"
#include "index/folder.h"
#include "index/mailstore.h"
#include "index/sqlite.h"

namespace maildex::index {

void WriteScope::prepare(Folder& folder) {
    members_.push_back({&folder, {}});
    if (options_.finishStores) folder.finishInterruptedStoresLocked(db_);
    if (options_.catchUp) folder.catchUpLocked(db_, members_.back().events);
    if (options_.insertPending) folder.insertPendingRowsLocked(db_);
}

void WriteScope::join(Folder& other) {
    if (&other.mailstore() != &members_.front().folder->mailstore())
        throw Error(ErrorKind::NotAllowed, "One index transaction cannot span two Maildirs");
    for (const auto& m : members_)
        if (m.folder == &other) return;
    prepare(other);
}

void WriteScope::onAbort(std::function<void()> undo) {
    undo_.push_back(std::move(undo));
}

void WriteScope::afterCommit(std::function<void()> step) {
    afterCommit_.push_back(std::move(step));
}

void WriteScope::claimRecent(Folder& folder) {
    claimed_ = folder.claimRecentLocked(db_);
    claimedBy_ = &folder;
}

void WriteScope::addToQuota(QuotaDelta delta) {
    if (delta.empty()) return;
    if (!quota_) quota_ = members_.front().folder->mailstore().quotaAccount();
    if (!quota_->mayAdd(delta.bytes, delta.messages))
        throw Error(ErrorKind::OverQuota, "You exceeded your mail quota.");
    recordQuota(delta);
}

void WriteScope::removeFromQuota(QuotaDelta delta) {
    if (delta.empty()) return;
    recordQuota({-delta.bytes, -delta.messages});
}

void WriteScope::recordQuota(QuotaDelta delta) {
    afterCommit([this, delta] {
        // The messages are in (or out of) the Maildir whatever happens here: a failure to
        // write maildirsize is the next recount's to repair, not the client's error.
        try {
            if (!quota_) quota_ = members_.front().folder->mailstore().quotaAccount();
            quota_->record(delta.bytes, delta.messages);
        } catch (const std::exception& e) {
            log::warn(std::string("Cannot update maildirsize: ") + e.what());
        }
    });
}

void WriteScope::abort() noexcept {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
        try {
            (*it)();
        } catch (...) {
        }
    }
}

void Folder::write(const WriteOptions& options, const std::function<void(WriteScope&)>& work) {
    auto lock = options.yieldToSessions ? store_->lockDbAfterOthers() : store_->lockDb();
    auto& db = store_->db();
    WriteScope scope(db, options);
    {
        Transaction txn(db);
        try {
            scope.prepare(*this);
            work(scope);
            std::optional<CheckpointPause> pause;
            if (scope.deferCheckpoint_) pause.emplace(db);
            txn.commit();
        } catch (...) {
            scope.abort();
            throw;
        }
    }
    for (const auto& step : scope.afterCommit_)
        step();
    if (options.catchUp)
        for (auto& m : scope.members_)
            m.folder->catchUpLocked(db, m.events);
    if (scope.claimed_) scope.claimedBy_->assignRecent(*scope.claimed_);
    lock.unlock();
    for (const auto& m : scope.members_)
        m.folder->publish(m.events);
}

}  // namespace maildex::index
