// Folder: in-memory state, catch-up from the index, subscribers and \Recent.
// The scan lives in folder_scan.cpp, the writing operations in folder_ops.cpp.

#include "index/folder.h"

#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <optional>

#include "index/error.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {
// How much history views can catch up from without a full comparison.
constexpr size_t kMaxLogEvents = 1024;
constexpr size_t kMaxLogUids = 200000;
// Rows read in modseq order, put in UID order into the parallel lists the state keeps.
// UIDs are dense unless many were expunged: then each row is placed by its UID, a
// fraction of what sorting 100,000 of them costs.
void putInUidOrder(std::vector<std::pair<std::uint32_t, MessageState>>& rows, UidList& uids,
                   std::vector<MessageState>& messages) {
    uids.reserve(rows.size());
    messages.reserve(rows.size());
    auto take = [&](const std::pair<std::uint32_t, MessageState>& row) {
        uids.push_back(row.first);
        messages.push_back(row.second);
    };
    auto byUid = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::size_t limit =
        rows.empty() ? 0 : std::max_element(rows.begin(), rows.end(), byUid)->first + 1ull;
    if (limit > 4 * rows.size() + 1024) {
        std::sort(rows.begin(), rows.end(), byUid);
        std::for_each(rows.begin(), rows.end(), take);
        return;
    }
    std::vector<std::uint32_t> rowOf(limit, UINT32_MAX);
    for (std::uint32_t r = 0; r < rows.size(); ++r)
        rowOf[rows[r].first] = r;
    for (auto r : rowOf)
        if (r != UINT32_MAX) take(rows[r]);
}

}  // namespace

Folder::Folder(std::shared_ptr<Mailstore> store, std::string name, std::int64_t id)
    : store_(std::move(store)), name_(std::move(name)), id_(id) {}

Folder::~Folder() {
    // The idle intent file of our STOREs (folder_store.cpp); a live one stays for whoever
    // finishes it.
    if (intentName_.empty()) return;
    try {
        ::unlink((dir() / "maildexjournal" / ("." + intentName_)).c_str());
    } catch (...) {
        // Left to the cleaning of the folder's tmp/ after this process.
    }
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

namespace {
struct Row {
    std::uint32_t uid;
    SystemFlags flags;
    std::string keywords;
    std::uint64_t modseq;
};

// The state after a catch-up: `old` without `gone`, with the rows put in (a row replaces
// the old entry of its UID); all ascending. Unchanged runs are copied whole: a delivery
// into a folder of 100,000 messages copies two arrays, not 100,000 elements one by one.
void mergeState(const UidList& old, const std::vector<MessageState>& oldStates, const UidList& gone,
                const std::vector<Row>& rows, const std::vector<MessageState>& rowStates,
                UidList& uids, std::vector<MessageState>& states) {
    uids.reserve(old.size() + rows.size());
    states.reserve(old.size() + rows.size());
    std::size_t i = 0, g = 0;
    // Copies the old entries with UIDs below `limit`, leaving out those gone.
    auto copyBelow = [&](std::uint64_t limit) {
        while (i < old.size() && old[i] < limit) {
            while (g < gone.size() && gone[g] < old[i])
                ++g;
            if (g < gone.size() && gone[g] == old[i]) {
                ++i;
                continue;
            }
            std::uint64_t stopAt =
                g < gone.size() ? std::min<std::uint64_t>(limit, gone[g]) : limit;
            auto stop = static_cast<std::size_t>(
                std::lower_bound(old.begin() + static_cast<std::ptrdiff_t>(i), old.end(), stopAt) -
                old.begin());
            uids.insert(uids.end(), old.begin() + static_cast<std::ptrdiff_t>(i),
                        old.begin() + static_cast<std::ptrdiff_t>(stop));
            states.insert(states.end(), oldStates.begin() + static_cast<std::ptrdiff_t>(i),
                          oldStates.begin() + static_cast<std::ptrdiff_t>(stop));
            i = stop;
        }
    };
    for (std::size_t r = 0; r < rows.size(); ++r) {
        copyBelow(rows[r].uid);
        if (i < old.size() && old[i] == rows[r].uid) ++i;  // the row replaces it
        uids.push_back(rows[r].uid);
        states.push_back(rowStates[r]);
    }
    copyBelow(UINT64_MAX);
}

std::vector<Row> readRows(Statement& q) {
    std::vector<Row> rows;
    while (q.step())
        rows.push_back({static_cast<std::uint32_t>(q.integer(0)),
                        static_cast<SystemFlags>(q.integer(1)), std::string(q.text(2)),
                        static_cast<std::uint64_t>(q.integer(3))});
    return rows;
}
}  // namespace

void Folder::catchUpLocked(Sqlite& db, std::vector<ChangeEvent>& events) {
    // One snapshot for every query below (writers catch up again after their commit,
    // outside a transaction): another process inserting pending rows between two of them
    // would otherwise make a message appear both as a row and as pending.
    std::optional<Transaction> snapshot;
    if (sqlite3_get_autocommit(db.handle())) snapshot.emplace(db, Transaction::Mode::Read);
    auto& f = db.prepare(
        "SELECT uidvalidity, uidnext, highestmodseq, recent_uid FROM folder WHERE id=?1");
    f.bind(1, id_);
    if (!f.step()) {
        noteResetLocked(events, true);  // deleted, by another process or by us
        return;
    }
    auto uidValidity = static_cast<std::uint32_t>(f.integer(0));
    auto uidNext = static_cast<std::uint32_t>(f.integer(1));
    auto highest = static_cast<std::uint64_t>(f.integer(2));
    auto recentUid = static_cast<std::uint32_t>(f.integer(3));
    f.reset();

    // Only writers under the database mutex change state_, and we are one: reading it
    // here without mu_ is safe; mu_ is taken only to publish the new state to readers.
    bool full = !state_.loaded || uidValidity != state_.uidValidity;
    // A new UIDVALIDITY (a forced rebuild without the mirror files, say) renumbers
    // everything: views opened before it must close; they notice by the value.
    if (state_.loaded && uidValidity != state_.uidValidity) noteResetLocked(events, false);
    if (!full && highest == state_.highestModseq) {
        // Pending rows becoming rows change no modseq; whether they are all rows now is
        // looked up (to drop the decoded copy).
        bool pendingKnown;
        {
            std::lock_guard lock(mu_);
            pendingKnown = pending_ != nullptr;
        }
        if (pendingKnown) readPendingLocked(db);
        std::lock_guard lock(mu_);
        state_.uidNext = uidNext;
        state_.recentUid = recentUid;
        return;
    }
    auto pending = readPendingLocked(db);

    if (full) {
        {
            std::lock_guard lock(mu_);
            state_.keywords = KeywordTable();
        }
        loadKeywordsLocked(db, 0);
        // From the modseq index, which covers these columns and is much narrower than the
        // table (schema.cpp, version 5); its order is by modseq, so the rows are sorted by
        // UID here. This is most of what opening a big folder in a fresh process costs.
        // Readers wait on mu_ meanwhile; there are none before the first load.
        auto& q = db.prepare(
            "SELECT uid, flags, keywords, modseq FROM message INDEXED BY message_by_modseq "
            "WHERE folder_id=?1");
        q.bind(1, id_);
        std::vector<std::pair<std::uint32_t, MessageState>> rows;
        // Every UID is below UIDNEXT. Reserving (address space; pages are only touched as
        // rows arrive) saves growing through fresh memory several times: page faults were
        // a sixth of a fresh open of 100,000 messages.
        rows.reserve(std::min<std::size_t>(uidNext > 0 ? uidNext - 1 : 0, std::size_t{1} << 20));
        std::lock_guard lock(mu_);
        auto keywordSet = [&](std::string_view keywords) {
            return keywords.empty() ? 0 : state_.keywords.intern(KeywordTable::decode(keywords));
        };
        while (q.step()) {
            auto keywords = q.isEmpty(2) ? std::string_view() : q.text(2);
            rows.push_back({static_cast<std::uint32_t>(q.integer(0)),
                            {static_cast<SystemFlags>(q.integer(1)), keywordSet(keywords),
                             static_cast<std::uint64_t>(q.integer(3))}});
        }
        if (pending)
            for (const auto& r : *pending->rows)
                if (r.uid >= pending->doneBelow)
                    rows.push_back({r.uid, {r.flags, keywordSet(r.keywords), r.modseq}});
        auto uids = std::make_shared<UidList>();
        std::vector<MessageState> msgs;
        putInUidOrder(rows, *uids, msgs);
        state_.uids = std::move(uids);
        state_.messages = std::move(msgs);
        state_.uidValidity = uidValidity;
        state_.uidNext = uidNext;
        state_.recentUid = recentUid;
        state_.highestModseq = highest;
        state_.loaded = true;
        log_.clear();
        logStart_ = highest;
        return;
    }

    loadKeywordsLocked(db, static_cast<std::uint32_t>(state_.keywords.names().size()));
    // A few changed rows are found through the modseq index; when many changed (a folder's
    // first scan, STORE 1:*), reading the whole folder in order is cheaper than a lookup
    // per row. Counting on the index alone decides.
    auto& count = db.prepare(
        "SELECT count(*) FROM message INDEXED BY message_by_modseq WHERE folder_id=?1 AND "
        "modseq>?2");
    count.bind(1, id_).bind(2, static_cast<std::int64_t>(state_.highestModseq));
    count.step();
    bool many = static_cast<std::size_t>(count.integer(0)) > state_.uids->size() / 8 + 64;
    count.reset();
    auto& q = db.prepare(
        many ? "SELECT uid, flags, keywords, modseq FROM message NOT INDEXED "
               "WHERE folder_id=?1 AND modseq>?2 ORDER BY uid"
             : "SELECT uid, flags, keywords, modseq FROM message INDEXED BY message_by_modseq "
               "WHERE folder_id=?1 AND modseq>?2 ORDER BY uid");
    q.bind(1, id_).bind(2, static_cast<std::int64_t>(state_.highestModseq));
    auto rows = readRows(q);
    if (pending && pending->modseq > state_.highestModseq) {
        // New to us: the pending rows, merged in UID order (none has a row's UID).
        std::vector<Row> merged;
        merged.reserve(rows.size() + pending->rows->size());
        auto r = rows.begin();
        for (const auto& p : *pending->rows) {
            if (p.uid < pending->doneBelow) continue;
            for (; r != rows.end() && r->uid < p.uid; ++r)
                merged.push_back(std::move(*r));
            if (r != rows.end() && r->uid == p.uid) continue;
            merged.push_back({p.uid, p.flags, p.keywords, p.modseq});
        }
        std::move(r, rows.end(), std::back_inserter(merged));
        rows = std::move(merged);
    }
    UidList expunged;
    auto& x = db.prepare(
        "SELECT uid FROM expunged INDEXED BY expunged_by_modseq WHERE folder_id=?1 AND "
        "modseq>?2 ORDER BY uid");
    x.bind(1, id_).bind(2, static_cast<std::int64_t>(state_.highestModseq));
    while (x.step())
        expunged.push_back(static_cast<std::uint32_t>(x.integer(0)));

    std::lock_guard lock(mu_);
    const UidList& old = *state_.uids;
    UidList added, changed, gone;
    std::vector<MessageState> rowStates;
    rowStates.reserve(rows.size());
    for (const auto& r : rows) {
        rowStates.push_back(
            {r.flags, state_.keywords.intern(KeywordTable::decode(r.keywords)), r.modseq});
        (std::binary_search(old.begin(), old.end(), r.uid) ? changed : added).push_back(r.uid);
    }
    std::vector<MessageState> goneStates;
    for (auto uid : expunged) {
        auto it = std::lower_bound(old.begin(), old.end(), uid);
        if (it == old.end() || *it != uid) continue;
        gone.push_back(uid);
        goneStates.push_back(state_.messages[static_cast<std::size_t>(it - old.begin())]);
    }

    if (added.empty() && gone.empty()) {
        // Flag changes only: update in place, the UID list (shared with views) stays.
        size_t i = 0;
        for (size_t r = 0; r < rows.size(); ++r) {
            while (old[i] != rows[r].uid)
                ++i;
            state_.messages[i] = rowStates[r];
        }
    } else {
        auto uids = std::make_shared<UidList>();
        std::vector<MessageState> msgs;
        mergeState(old, state_.messages, gone, rows, rowStates, *uids, msgs);
        state_.uids = std::move(uids);
        state_.messages = std::move(msgs);
    }
    state_.uidNext = uidNext;
    state_.recentUid = recentUid;
    state_.highestModseq = highest;

    auto emit = [&](ChangeEvent::Kind kind, UidList& uids, std::vector<MessageState> states) {
        if (uids.empty()) return;
        events.push_back({kind, highest, std::move(uids), std::move(states)});
        log_.push_back(events.back());
    };
    emit(ChangeEvent::Kind::Expunged, gone, std::move(goneStates));
    emit(ChangeEvent::Kind::Added, added, {});
    emit(ChangeEvent::Kind::FlagsChanged, changed, {});

    size_t logged = 0;
    for (const auto& e : log_)
        logged += e.uids.size();
    if (log_.size() <= kMaxLogEvents && logged <= kMaxLogUids) return;
    // Over a bound: drop the oldest down to three quarters of both, so a busy folder
    // moves the rest of its log once per few hundred changes, not at every change.
    auto keep = log_.begin();
    for (auto events = log_.size();
         keep != log_.end() && (events > kMaxLogEvents / 4 * 3 || logged > kMaxLogUids / 4 * 3);
         ++keep, --events)
        logged -= keep->uids.size();
    logStart_ = std::prev(keep)->modseq;
    log_.erase(log_.begin(), keep);
}

}  // namespace maildex::index
