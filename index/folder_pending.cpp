// Folder: the rows of a large first index that are still pending (index/pending_rows.h).

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/log.h"
#include "index/background.h"
#include "index/crash_point.h"
#include "index/error.h"
#include "index/folder.h"
#include "index/mailstore.h"
#include "index/pending_rows.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {

// Rows per transaction of the background insert: 3-10 ms of holding the index here, the
// longest a session's command waits for it meanwhile.
constexpr std::size_t kPendingRowsPerChunk = 1024;
// The client that caused the first index has more to do at once (the rest of its SELECT,
// then a FETCH of the newest messages): the insert starts a moment later.
constexpr auto kDelayBeforeInsert = std::chrono::milliseconds(50);
// Between chunks the index is left alone this long, for sessions not waiting for it yet.
constexpr auto kPauseBetweenChunks = std::chrono::milliseconds(1);

// The first row (ascending by UID) whose UID is `uid` or more.
std::vector<MessageRow>::const_iterator rowFrom(const std::vector<MessageRow>& rows,
                                                std::uint32_t uid) {
    return std::lower_bound(rows.begin(), rows.end(), uid,
                            [](const MessageRow& r, std::uint32_t u) { return r.uid < u; });
}

}  // namespace

std::optional<Folder::PendingRows> Folder::readPendingLocked(Sqlite& db) {
    auto& q = db.prepare("SELECT modseq, done_below FROM pending_rows WHERE folder_id=?1");
    q.bind(1, id_);
    if (!q.step()) {
        std::lock_guard lock(mu_);
        pending_.reset();
        return std::nullopt;
    }
    PendingRows out;
    out.modseq = static_cast<std::uint64_t>(q.integer(0));
    out.doneBelow = static_cast<std::uint32_t>(q.integer(1));
    q.reset();
    {
        std::lock_guard lock(mu_);
        if (pending_ && pendingModseq_ == out.modseq) out.rows = pending_;
    }
    if (!out.rows) {
        // The value never changes while it exists (only done_below moves): decoded once.
        auto& d = db.prepare("SELECT data FROM pending_rows WHERE folder_id=?1");
        d.bind(1, id_);
        d.step();
        try {
            out.rows = std::make_shared<const std::vector<MessageRow>>(
                decodePendingRows(d.blob(0), out.modseq));
        } catch (const Error& e) {
            d.reset();
            return dropDamagedPendingLocked(db, e.what());
        }
        d.reset();
        std::lock_guard lock(mu_);
        pending_ = out.rows;
        pendingModseq_ = out.modseq;
    }
    return out;
}

std::nullopt_t Folder::dropDamagedPendingLocked(Sqlite& db, const std::string& why) {
    // The files and courierimapuiddb (written in the same transaction) hold what the value
    // did: a writer deletes it, and a scan numbers the files again with the UIDs the mirror
    // gives them. A reader asks its sync for that scan.
    log::warn("folder '" + name_ + "': " + why + "; its messages are numbered again from " +
              "the files and courierimapuiddb");
    if (sqlite3_txn_state(db.handle(), "main") == SQLITE_TXN_WRITE) {
        db.prepare("DELETE FROM pending_rows WHERE folder_id=?1").bind(1, id_).run();
        db.prepare("UPDATE folder SET new_mtime=0, cur_mtime=0 WHERE id=?1").bind(1, id_).run();
        syncedNewMtime_ = 0;
        syncedCurMtime_ = 0;
    } else {
        pendingDamaged_ = true;
    }
    std::lock_guard lock(mu_);
    pending_.reset();
    return std::nullopt;
}

bool Folder::hasPendingRows() const {
    std::lock_guard lock(mu_);
    return pending_ != nullptr;
}

std::optional<std::string> Folder::pendingPath(std::uint32_t uid) const {
    std::shared_ptr<const std::vector<MessageRow>> rows;
    {
        std::lock_guard lock(mu_);
        rows = pending_;
    }
    if (!rows) return std::nullopt;
    auto it = rowFrom(*rows, uid);
    if (it == rows->end() || it->uid != uid) return std::nullopt;
    std::string name = it->base;
    if (it->info) name.append(":").append(*it->info);
    return (dir() / (it->inNew ? "new" : "cur") / name).string();
}

bool Folder::insertPendingRowsLocked(Sqlite& db, std::size_t limit) {
    auto pending = readPendingLocked(db);
    if (!pending) return true;
    const auto& rows = *pending->rows;
    auto first = rowFrom(rows, pending->doneBelow);
    auto last = first + static_cast<std::ptrdiff_t>(
                            std::min(limit, static_cast<std::size_t>(rows.end() - first)));
    MessageRowWriter writer(db, id_);
    for (auto it = first; it != last; ++it)
        writer.add(*it);
    writer.flush();
    if (last == rows.end()) {
        db.prepare("DELETE FROM pending_rows WHERE folder_id=?1").bind(1, id_).run();
        return true;
    }
    db.prepare("UPDATE pending_rows SET done_below=?2 WHERE folder_id=?1")
        .bind(1, id_)
        .bind(2, last->uid)
        .run();
    return false;
}

void Folder::insertPendingRowsInBackground() {
    runInBackground([self = shared_from_this()] {
        std::this_thread::sleep_for(kDelayBeforeInsert);
        self->insertPendingRows();
    });
}

void Folder::insertPendingRows() {
    crashPoint("pending-rows-before-insert");
    for (bool done = false; !done;) {
        // Touches no file; gives way to sessions between chunks.
        WriteOptions background{
            .finishStores = false, .insertPending = false, .yieldToSessions = true};
        write(background, [&](WriteScope& w) {
            // Megabytes of WAL pile up meanwhile; SQLite's checkpoint after a commit would
            // copy them into the database while holding the index (tens of ms). They are
            // copied at the end, from a connection of their own.
            w.db().exec("PRAGMA wal_autocheckpoint=0");
            done = insertPendingRowsLocked(w.db(), kPendingRowsPerChunk);
            if (done) w.afterCommit([&w] { w.db().exec("PRAGMA wal_autocheckpoint=1000"); });
        });
        if (done) break;
        crashPoint("pending-rows-after-chunk");
        std::this_thread::sleep_for(kPauseBetweenChunks);
    }
    // PASSIVE: copies what no reader still needs, waits for nobody.
    Sqlite(store_->indexPath().string()).exec("PRAGMA wal_checkpoint(PASSIVE)");
}

}  // namespace maildex::index
