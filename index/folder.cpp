// Folder: in-memory state and what is read from it (STATUS), subscribers, \Recent and
// keyword ids. Memory changes only by catching up with committed rows
// (folder_catch_up.cpp); the scan lives in folder_scan.cpp, the writing operations in
// folder_ops.cpp and folder_store.cpp, finding files in folder_locate.cpp.

#include "index/folder.h"

#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <optional>

#include "index/error.h"
#include "index/mailbox_view.h"
#include "index/maildir_name.h"
#include "index/mailstore.h"
#include "index/sqlite.h"

namespace maildex::index {

Folder::Folder(std::shared_ptr<Mailstore> store, std::string name, std::int64_t id)
    : store_(std::move(store)), name_(std::move(name)), id_(id) {}

Folder::~Folder() {
    // The idle intent file of our STOREs (store_journal.cpp); a live one stays for whoever
    // finishes it.
    if (intentName_.empty()) return;
    try {
        base::FsIdentityScope as(owner());
        ::unlink((dir() / "maildexjournal" / ("." + intentName_)).c_str());
    } catch (...) {
        // Left to the cleaning of the folder's tmp/ after this process.
    }
}

const std::optional<base::FsIdentity>& Folder::owner() const {
    return store_->owner();
}

std::filesystem::path Folder::dir() const {
    return store_->layout().folderDir(name_);
}

std::uint32_t Folder::uidValidity() const {
    std::lock_guard lock(mu_);
    return state_.uidValidity;
}

std::uint32_t Folder::uidNext() const {
    std::lock_guard lock(mu_);
    return state_.uidNext;
}

std::uint64_t Folder::highestModseq() const {
    std::lock_guard lock(mu_);
    return state_.highestModseq;
}

std::uint32_t Folder::messageCount() const {
    std::lock_guard lock(mu_);
    return static_cast<std::uint32_t>(state_.uids->size());
}

UidList Folder::uidsWithout(SystemFlags flag) const {
    std::lock_guard lock(mu_);
    UidList out;
    const UidList& all = *state_.uids;
    for (size_t i = 0; i < all.size(); ++i)
        if (!(state_.messages[i].flags & flag)) out.push_back(all[i]);
    return out;
}

UidList Folder::expungedSince(std::uint64_t modseq) {
    auto lock = store_->lockDb();
    UidList out;
    auto& q = store_->db().prepare(
        "SELECT uid FROM expunged INDEXED BY expunged_by_modseq WHERE folder_id=?1 AND "
        "modseq>?2 ORDER BY uid");
    q.bind(1, id_).bind(2, static_cast<std::int64_t>(modseq));
    while (q.step())
        out.push_back(static_cast<std::uint32_t>(q.integer(0)));
    return out;
}

bool Folder::isDeleted() const {
    std::lock_guard lock(mu_);
    return state_.deleted;
}

UidList Folder::uids() const {
    std::lock_guard lock(mu_);
    return *state_.uids;
}

std::vector<std::string> Folder::keywordNames() const {
    std::lock_guard lock(mu_);
    return state_.keywords.names();
}

std::size_t Folder::keywordCount() const {
    std::lock_guard lock(mu_);
    return state_.keywords.names().size();
}

std::vector<std::string> Folder::keywordNames(std::uint32_t keywordSet) const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (auto id : state_.keywords.set(keywordSet))
        out.push_back(state_.keywords.names()[id]);
    return out;
}

std::vector<std::uint32_t> Folder::keywordSetsWith(std::string_view name) const {
    std::lock_guard lock(mu_);
    std::vector<std::uint32_t> out;
    auto id = state_.keywords.find(name);
    if (!id) return out;
    for (std::uint32_t s = 0; s < state_.keywords.setCount(); ++s) {
        const auto& set = state_.keywords.set(s);
        if (std::binary_search(set.begin(), set.end(), *id)) out.push_back(s);
    }
    return out;
}

void Folder::catchUp(bool afterWriter) {
    std::vector<ChangeEvent> events;
    {
        auto lock = store_->lockDb();
        // A write transaction waits for the one another process has open; a read would
        // see the index as it was before it.
        Transaction txn(store_->db(),
                        afterWriter ? Transaction::Mode::Write : Transaction::Mode::Read);
        catchUpLocked(store_->db(), events);
        txn.commit();
    }
    publish(events);
}

std::unique_ptr<MailboxView> Folder::open(bool readWrite, Listener listener) {
    return open(readWrite, listener ? std::make_shared<FunctionListener>(std::move(listener))
                                    : std::shared_ptr<ChangeListener>());
}

std::unique_ptr<MailboxView> Folder::open(bool readWrite,
                                          std::shared_ptr<ChangeListener> listener) {
    sync(SyncMode::Quick);
    auto view = std::make_unique<MailboxView>(shared_from_this(), readWrite);
    if (listener) {
        listen(listener);
        view->listener_ = std::move(listener);
    }
    if (readWrite) {
        {
            std::lock_guard lock(mu_);
            readWriteViews_.push_back(view.get());
        }
        // Takes new/ into cur/ as Courier does on a read-write SELECT; STOREs another process
        // left half-done and pending rows are for the writers that touch those messages.
        write({.finishStores = false, .insertPending = false}, [&](WriteScope& w) {
            moveNewToCurLocked(w.db());
            w.claimRecent(*this);
        });
    }
    std::lock_guard lock(mu_);
    view->seq_ = state_.uids;
    view->modseq_ = state_.highestModseq;
    view->uidValidity_ = state_.uidValidity;
    if (!readWrite) view->noteUnclaimedRecentLocked(*state_.uids);
    view->reportedRecent_ = static_cast<std::uint32_t>(view->recent_.size());
    return view;
}

std::shared_ptr<void> Folder::subscribe(Listener listener) {
    auto l = std::make_shared<FunctionListener>(std::move(listener));
    listen(l);
    return l;
}

void Folder::listen(const std::shared_ptr<ChangeListener>& listener) {
    std::lock_guard lock(mu_);
    std::erase_if(listeners_, [](const auto& w) { return w.expired(); });
    listeners_.push_back(listener);
}

void Folder::stopListening(const ChangeListener* listener) {
    std::lock_guard lock(mu_);
    // One entry: two views may share a listener, and each takes away its own.
    auto it = std::find_if(listeners_.begin(), listeners_.end(),
                           [&](const auto& w) { return w.lock().get() == listener; });
    if (it != listeners_.end()) listeners_.erase(it);
}

void Folder::releaseView(MailboxView* view) {
    std::lock_guard lock(mu_);
    std::erase(readWriteViews_, view);
}

void Folder::publish(const std::vector<ChangeEvent>& events) {
    if (events.empty()) return;
    std::vector<std::shared_ptr<ChangeListener>> listeners;
    {
        std::lock_guard lock(mu_);
        for (const auto& w : listeners_)
            if (auto l = w.lock()) listeners.push_back(std::move(l));
    }
    for (const auto& e : events)
        for (const auto& l : listeners)
            l->folderChanged(e);
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> Folder::claimRecentLocked(Sqlite& db) {
    {
        std::lock_guard lock(mu_);
        if (readWriteViews_.empty()) return std::nullopt;
    }
    auto& q = db.prepare("SELECT recent_uid, uidnext FROM folder WHERE id=?1");
    q.bind(1, id_);
    if (!q.step()) return std::nullopt;
    auto from = static_cast<std::uint32_t>(q.integer(0)),
         to = static_cast<std::uint32_t>(q.integer(1));
    q.reset();
    if (from >= to) return std::nullopt;
    db.prepare("UPDATE folder SET recent_uid=?2 WHERE id=?1").bind(1, id_).bind(2, to).run();
    return std::pair{from, to};
}

void Folder::assignRecent(std::pair<std::uint32_t, std::uint32_t> range) {
    std::lock_guard lock(mu_);
    state_.recentUid = std::max(state_.recentUid, range.second);
    if (readWriteViews_.empty()) return;  // the view left meanwhile; nobody gets them
    const UidList& all = *state_.uids;
    auto lo = std::lower_bound(all.begin(), all.end(), range.first);
    auto hi = std::lower_bound(lo, all.end(), range.second);
    UidList& target = readWriteViews_.front()->recent_;
    UidList merged;
    std::set_union(target.begin(), target.end(), lo, hi, std::back_inserter(merged));
    target = std::move(merged);
}

void Folder::noteResetLocked(std::vector<ChangeEvent>& events, bool deleted) {
    std::lock_guard lock(mu_);
    if (deleted) {
        if (state_.deleted) return;
        state_.deleted = true;
    }
    events.push_back({ChangeEvent::Kind::Reset, state_.highestModseq, {}});
}

void Folder::markDeleted() {
    std::vector<ChangeEvent> events;
    noteResetLocked(events, true);
    publish(events);
}

void Folder::loadKeywordsLocked(Sqlite& db, std::uint32_t knownCount) {
    auto& q = db.prepare("SELECT id, name FROM keyword WHERE folder_id=?1 AND id>=?2 ORDER BY id");
    q.bind(1, id_).bind(2, static_cast<std::int64_t>(knownCount));
    std::vector<std::string> added;
    while (q.step()) {
        if (static_cast<std::uint32_t>(q.integer(0)) != knownCount + added.size())
            throw Error(ErrorKind::Corrupt, "Keyword ids of folder '" + name_ + "' have a gap");
        added.emplace_back(q.text(1));
    }
    if (added.empty()) return;
    std::lock_guard lock(mu_);
    for (auto& n : added)
        state_.keywords.add(std::move(n));
}

std::optional<std::uint32_t> Folder::findKeywordIdLocked(Sqlite& db, const std::string& name) {
    auto& q = db.prepare("SELECT id FROM keyword WHERE folder_id=?1 AND name=?2 COLLATE NOCASE");
    q.bind(1, id_).bind(2, name);
    if (!q.step()) return std::nullopt;
    auto id = static_cast<std::uint32_t>(q.integer(0));
    q.reset();
    return id;
}

std::uint32_t Folder::keywordIdLocked(Sqlite& db, const std::string& name) {
    if (auto id = findKeywordIdLocked(db, name)) return *id;
    // Memory learns the new name when it catches up after the commit, so a rolled-back
    // transaction leaves nothing behind.
    auto& next = db.prepare("SELECT COALESCE(MAX(id)+1, 0) FROM keyword WHERE folder_id=?1");
    next.bind(1, id_);
    next.step();
    auto id = static_cast<std::uint32_t>(next.integer(0));
    next.reset();
    db.prepare("INSERT INTO keyword(folder_id, id, name) VALUES(?1,?2,?3)")
        .bind(1, id_)
        .bind(2, id)
        .bind(3, name)
        .run();
    return id;
}

std::vector<std::string> Folder::namesOfSetLocked(std::uint32_t keywordSet) const {
    std::vector<std::string> out;
    for (auto id : state_.keywords.set(keywordSet))
        out.push_back(state_.keywords.names()[id]);
    return out;
}

FolderStatus Folder::status(bool withSize, bool withDeletedStorage) {
    sync(SyncMode::Quick);
    FolderStatus s;
    if (withDeletedStorage) s.deletedStorage = deletedStorage();
    if (withSize) {
        if (hasPendingRows()) insertPendingRows();  // sizes are summed over the rows
        UidList unknown;
        {
            auto lock = store_->lockDb();
            auto& q = store_->db().prepare(
                "SELECT uid FROM message WHERE folder_id=?1 AND vsize IS NULL");
            q.bind(1, id_);
            while (q.step())
                unknown.push_back(static_cast<std::uint32_t>(q.integer(0)));
        }
        for (auto uid : unknown) {
            try {
                file(uid);  // computes and caches the size
            } catch (const Error&) {
            }
        }
        auto lock = store_->lockDb();
        auto& q =
            store_->db().prepare("SELECT COALESCE(SUM(vsize), 0) FROM message WHERE folder_id=?1");
        q.bind(1, id_);
        if (q.step()) {
            s.size = static_cast<std::uint64_t>(q.integer(0));
            q.reset();
        }
    }
    std::lock_guard l(mu_);
    s.messages = static_cast<std::uint32_t>(state_.uids->size());
    for (const auto& m : state_.messages) {
        if (!(m.flags & flag::Seen)) ++s.unseen;
        if (m.flags & flag::Deleted) ++s.deleted;
    }
    s.recent = static_cast<std::uint32_t>(
        state_.uids->end() -
        std::lower_bound(state_.uids->begin(), state_.uids->end(), state_.recentUid));
    s.uidNext = state_.uidNext;
    s.uidValidity = state_.uidValidity;
    s.highestModseq = state_.highestModseq;
    return s;
}

std::uint64_t Folder::deletedStorage() {
    if (!countsForQuota()) return 0;
    if (hasPendingRows()) insertPendingRows();  // the sizes are read from the rows
    UidList deleted;
    {
        std::lock_guard l(mu_);
        const UidList& all = *state_.uids;
        for (size_t i = 0; i < all.size(); ++i)
            if (state_.messages[i].flags & flag::Deleted) deleted.push_back(all[i]);
    }
    // The size EXPUNGE takes off maildirsize (folder_ops.cpp): ",S=" from the name, else
    // the bytes on disk, which the row keeps once known. Few messages are marked at a
    // time; each is one lookup by key.
    std::uint64_t total = 0;
    UidList unknown;
    {
        auto lock = store_->lockDb();
        auto& q =
            store_->db().prepare("SELECT base, size FROM message WHERE folder_id=?1 AND uid=?2");
        for (auto uid : deleted) {
            q.bind(1, id_).bind(2, uid);
            if (q.step()) {
                if (auto s = sizeField(q.text(0), 'S'))
                    total += *s;
                else if (!q.isNull(1))
                    total += static_cast<std::uint64_t>(q.integer(1));
                else
                    unknown.push_back(uid);
            }
            q.reset();
        }
    }
    for (auto uid : unknown) {
        try {
            total += file(uid).size;  // computes and caches it
        } catch (const Error&) {
            // expunged meanwhile: nothing to reclaim
        }
    }
    return total;
}

}  // namespace maildex::index
