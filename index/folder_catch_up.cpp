// Folder::catchUpLocked: memory brought in line with the committed rows of the index.
// It is the only way a Folder's memory changes (folder.h's concurrency rules): a writer of
// this process catches up after its commit, a change another process committed is read the
// same way, and both produce the same change events for the views.

#include <algorithm>
#include <iterator>
#include <optional>

#include "index/error.h"
#include "index/folder.h"
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

// One catch-up, as steps. Only writers under the database mutex change state_, and we are
// one: reading it here without mu_ is safe; mu_ is taken only to publish the new state to
// readers.
struct Folder::CatchUp {
    Folder& folder;
    Sqlite& db;
    std::vector<ChangeEvent>& events;
    State& state;
    // The folder's row as committed.
    std::uint32_t uidValidity = 0, uidNext = 0, recentUid = 0;
    std::uint64_t highest = 0;
    std::optional<PendingRows> pending;

    CatchUp(Folder& f, Sqlite& d, std::vector<ChangeEvent>& e)
        : folder(f), db(d), events(e), state(f.state_) {}

    void run() {
        // One snapshot for every query below (writers catch up again after their commit,
        // outside a transaction): another process inserting pending rows between two of
        // them would otherwise make a message appear both as a row and as pending.
        std::optional<Transaction> snapshot;
        if (sqlite3_get_autocommit(db.handle())) snapshot.emplace(db, Transaction::Mode::Read);
        if (!readFolderRow()) {
            folder.noteResetLocked(events, true);  // deleted, by another process or by us
            return;
        }
        bool full = !state.loaded || uidValidity != state.uidValidity;
        // A new UIDVALIDITY (a forced rebuild without the mirror files, say) renumbers
        // everything: views opened before it must close; they notice by the value.
        if (state.loaded && uidValidity != state.uidValidity) folder.noteResetLocked(events, false);
        if (!full && highest == state.highestModseq) {
            noMessageChanged();
            return;
        }
        pending = folder.readPendingLocked(db);
        if (full)
            loadEverything();
        else
            applyChanges();
    }

    bool readFolderRow() {
        auto& f = db.prepare(
            "SELECT uidvalidity, uidnext, highestmodseq, recent_uid FROM folder WHERE id=?1");
        f.bind(1, folder.id_);
        if (!f.step()) return false;
        uidValidity = static_cast<std::uint32_t>(f.integer(0));
        uidNext = static_cast<std::uint32_t>(f.integer(1));
        highest = static_cast<std::uint64_t>(f.integer(2));
        recentUid = static_cast<std::uint32_t>(f.integer(3));
        f.reset();
        return true;
    }

    void noMessageChanged() {
        // Pending rows becoming rows change no modseq; whether they are all rows now is
        // looked up (to drop the decoded copy).
        bool pendingKnown;
        {
            std::lock_guard lock(folder.mu_);
            pendingKnown = folder.pending_ != nullptr;
        }
        if (pendingKnown) folder.readPendingLocked(db);
        std::lock_guard lock(folder.mu_);
        state.uidNext = uidNext;
        state.recentUid = recentUid;
    }

    // The first load, or after a new UIDVALIDITY: every message, no events.
    void loadEverything() {
        {
            std::lock_guard lock(folder.mu_);
            state.keywords = KeywordTable();
        }
        folder.loadKeywordsLocked(db, 0);
        // From the modseq index, which covers these columns and is much narrower than the
        // table (schema.cpp, version 5); its order is by modseq, so the rows are sorted by
        // UID here. This is most of what opening a big folder in a fresh process costs.
        // Readers wait on mu_ meanwhile; there are none before the first load.
        auto& q = db.prepare(
            "SELECT uid, flags, keywords, modseq FROM message INDEXED BY message_by_modseq "
            "WHERE folder_id=?1");
        q.bind(1, folder.id_);
        std::vector<std::pair<std::uint32_t, MessageState>> rows;
        // Every UID is below UIDNEXT. Reserving (address space; pages are only touched as
        // rows arrive) saves growing through fresh memory several times: page faults were
        // a sixth of a fresh open of 100,000 messages.
        rows.reserve(std::min<std::size_t>(uidNext > 0 ? uidNext - 1 : 0, std::size_t{1} << 20));
        std::lock_guard lock(folder.mu_);
        auto keywordSet = [&](std::string_view keywords) {
            return keywords.empty() ? 0 : state.keywords.intern(KeywordTable::decode(keywords));
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
        state.uids = std::move(uids);
        state.messages = std::move(msgs);
        state.uidValidity = uidValidity;
        state.uidNext = uidNext;
        state.recentUid = recentUid;
        state.highestModseq = highest;
        state.loaded = true;
        folder.log_.clear();
        folder.logStart_ = highest;
    }

    // The rows changed since the state's modseq (with the pending rows new to us), in UID
    // order.
    std::vector<Row> readChangedRows() {
        // A few changed rows are found through the modseq index; when many changed (a
        // folder's first scan, STORE 1:*), reading the whole folder in order is cheaper than
        // a lookup per row. Counting on the index alone decides.
        auto& count = db.prepare(
            "SELECT count(*) FROM message INDEXED BY message_by_modseq WHERE folder_id=?1 AND "
            "modseq>?2");
        count.bind(1, folder.id_).bind(2, static_cast<std::int64_t>(state.highestModseq));
        count.step();
        bool many = static_cast<std::size_t>(count.integer(0)) > state.uids->size() / 8 + 64;
        count.reset();
        auto& q =
            db.prepare(many ? "SELECT uid, flags, keywords, modseq FROM message NOT INDEXED "
                              "WHERE folder_id=?1 AND modseq>?2 ORDER BY uid"
                            : "SELECT uid, flags, keywords, modseq FROM message INDEXED BY "
                              "message_by_modseq WHERE folder_id=?1 AND modseq>?2 ORDER BY uid");
        q.bind(1, folder.id_).bind(2, static_cast<std::int64_t>(state.highestModseq));
        auto rows = readRows(q);
        if (!pending || pending->modseq <= state.highestModseq) return rows;
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
        return merged;
    }

    UidList readExpunged() {
        UidList expunged;
        auto& x = db.prepare(
            "SELECT uid FROM expunged INDEXED BY expunged_by_modseq WHERE folder_id=?1 AND "
            "modseq>?2 ORDER BY uid");
        x.bind(1, folder.id_).bind(2, static_cast<std::int64_t>(state.highestModseq));
        while (x.step())
            expunged.push_back(static_cast<std::uint32_t>(x.integer(0)));
        return expunged;
    }

    // What changed since the state's modseq: applied to the state, told as events and kept
    // in the change log.
    void applyChanges() {
        folder.loadKeywordsLocked(db, static_cast<std::uint32_t>(state.keywords.names().size()));
        auto rows = readChangedRows();
        UidList expunged = readExpunged();

        std::lock_guard lock(folder.mu_);
        const UidList& old = *state.uids;
        UidList added, changed, gone;
        std::vector<MessageState> rowStates;
        rowStates.reserve(rows.size());
        for (const auto& r : rows) {
            rowStates.push_back(
                {r.flags, state.keywords.intern(KeywordTable::decode(r.keywords)), r.modseq});
            (std::binary_search(old.begin(), old.end(), r.uid) ? changed : added).push_back(r.uid);
        }
        std::vector<MessageState> goneStates;
        for (auto uid : expunged) {
            auto it = std::lower_bound(old.begin(), old.end(), uid);
            if (it == old.end() || *it != uid) continue;
            gone.push_back(uid);
            goneStates.push_back(state.messages[static_cast<std::size_t>(it - old.begin())]);
        }

        if (added.empty() && gone.empty()) {
            // Flag changes only: update in place, the UID list (shared with views) stays.
            size_t i = 0;
            for (size_t r = 0; r < rows.size(); ++r) {
                while (old[i] != rows[r].uid)
                    ++i;
                state.messages[i] = rowStates[r];
            }
        } else {
            auto uids = std::make_shared<UidList>();
            std::vector<MessageState> msgs;
            mergeState(old, state.messages, gone, rows, rowStates, *uids, msgs);
            state.uids = std::move(uids);
            state.messages = std::move(msgs);
        }
        state.uidNext = uidNext;
        state.recentUid = recentUid;
        state.highestModseq = highest;

        emit(ChangeEvent::Kind::Expunged, gone, std::move(goneStates));
        emit(ChangeEvent::Kind::Added, added, {});
        emit(ChangeEvent::Kind::FlagsChanged, changed, {});
        trimLog();
    }

    // Under mu_.
    void emit(ChangeEvent::Kind kind, UidList& uids, std::vector<MessageState> states) {
        if (uids.empty()) return;
        events.push_back({kind, highest, std::move(uids), std::move(states)});
        folder.log_.push_back(events.back());
    }

    // Under mu_. Over a bound: drops the oldest down to three quarters of both, so a busy
    // folder moves the rest of its log once per few hundred changes, not at every change.
    void trimLog() {
        auto& log = folder.log_;
        size_t logged = 0;
        for (const auto& e : log)
            logged += e.uids.size();
        if (log.size() <= kMaxLogEvents && logged <= kMaxLogUids) return;
        auto keep = log.begin();
        for (auto n = log.size();
             keep != log.end() && (n > kMaxLogEvents / 4 * 3 || logged > kMaxLogUids / 4 * 3);
             ++keep, --n)
            logged -= keep->uids.size();
        folder.logStart_ = std::prev(keep)->modseq;
        log.erase(log.begin(), keep);
    }
};

void Folder::catchUpLocked(Sqlite& db, std::vector<ChangeEvent>& events) {
    CatchUp(*this, db, events).run();
}

}  // namespace maildex::index
