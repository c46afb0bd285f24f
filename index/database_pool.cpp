// The process-wide pool of index databases (database_pool.h): the registry of open
// Mailstores, the count of open databases and its bound, and the Mailstore members that
// open, close and count a database.

#include "index/database_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "index/mailstore.h"
#include "index/schema.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {

std::mutex registryMu;
std::atomic<std::size_t> closedSinceAsked{0};  // databases closed, for closeUnusedDatabases
std::atomic<std::size_t> openCount{0};         // databases open in the process
std::atomic<std::size_t> openLimit{64};
std::map<std::string, std::weak_ptr<Mailstore>>& registry() {
    static std::map<std::string, std::weak_ptr<Mailstore>> r;
    return r;
}

std::string registryKey(const std::filesystem::path& maildir) {
    std::error_code ec;
    auto p = std::filesystem::canonical(maildir, ec);
    return (ec ? std::filesystem::absolute(maildir) : p).string();
}

}  // namespace

namespace database_pool {

std::shared_ptr<Mailstore> findOrAdd(const std::filesystem::path& maildir,
                                     const std::function<std::shared_ptr<Mailstore>()>& make) {
    std::string key = registryKey(maildir);
    std::lock_guard lock(registryMu);
    auto& slot = registry()[key];
    if (auto existing = slot.lock()) return existing;
    auto store = make();
    slot = store;
    return store;
}

std::vector<std::shared_ptr<Mailstore>> openStores() {
    std::vector<std::shared_ptr<Mailstore>> out;
    std::lock_guard lock(registryMu);
    for (const auto& [key, weak] : registry())
        if (auto store = weak.lock()) out.push_back(std::move(store));
    return out;
}

void forget(const std::filesystem::path& maildir) {
    std::lock_guard lock(registryMu);
    auto it = registry().find(registryKey(maildir));
    if (it != registry().end() && it->second.expired()) registry().erase(it);
}

void countOpened() {
    ++openCount;
}

void countClosed() {
    --openCount;
}

}  // namespace database_pool

void Mailstore::releaseMemory() {
    auto lock = lockDb();
    closeLocked();
}

void Mailstore::closeLocked() {
    if (!db_) return;
    // Often another thread's doing (the housekeeping timer, another user's open making
    // room): the WAL checkpoint and its removal are the owner's file work.
    base::FsIdentityScope as(owner_);
    // A plain close: the last connection to the database checkpoints the WAL and removes
    // it, so no WAL outlives the process that wrote it (a WAL left beside a database that
    // an administrator deletes would be replayed into the new one).
    db_.reset();
    dbOpen_ = false;
    ++closedSinceAsked;
    --openCount;
}

Sqlite& Mailstore::db() {
    if (!db_) {
        makeRoomForDatabase();
        base::FsIdentityScope as(owner_);
        db_ = openIndex(indexPath_, nullptr);
        dbOpen_ = true;
        ++openCount;
    }
    lastUse_ = std::chrono::steady_clock::now().time_since_epoch().count();
    return *db_;
}

void Mailstore::makeRoomForDatabase() {
    if (openCount < openLimit) return;
    std::vector<std::shared_ptr<Mailstore>> stores;
    {
        // Not waiting: the registry's lock may be ours (a Mailstore being made) or held
        // by a thread that waits for our database. Over the limit for a moment is fine.
        std::unique_lock lock(registryMu, std::try_to_lock);
        if (!lock) return;
        for (auto& [key, weak] : registry())
            if (auto store = weak.lock(); store && store.get() != this && store->databaseOpen())
                stores.push_back(std::move(store));
    }
    std::sort(stores.begin(), stores.end(),
              [](const auto& a, const auto& b) { return a->lastUse_ < b->lastUse_; });
    auto now = std::chrono::steady_clock::now();
    for (auto& store : stores) {
        if (openCount < openLimit) break;
        store->closeIfUnused(now);
    }
}

std::size_t Mailstore::limitOpenDatabases(std::size_t limit) {
    return openLimit.exchange(std::max<std::size_t>(limit, 1));
}

std::size_t Mailstore::openDatabases() {
    return openCount;
}

bool Mailstore::closeIfUnused(std::chrono::steady_clock::time_point usedBefore) {
    std::unique_lock lock(dbMu_, std::try_to_lock);
    if (!lock || !db_ || lastUse_ >= usedBefore.time_since_epoch().count()) return false;
    closeLocked();
    return true;
}

std::size_t Mailstore::closeUnusedDatabases(std::chrono::steady_clock::duration quiet) {
    std::vector<std::shared_ptr<Mailstore>> stores;
    {
        std::lock_guard lock(registryMu);
        for (auto& [key, weak] : registry())
            if (auto store = weak.lock()) stores.push_back(std::move(store));
    }
    auto usedBefore = std::chrono::steady_clock::now() - quiet;
    for (auto& store : stores)
        store->closeIfUnused(usedBefore);
    return closedSinceAsked.exchange(0);
}

}  // namespace maildex::index
