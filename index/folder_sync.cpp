// Folder::sync: deciding whether the index must be brought in line with the files by a
// scan (folder_scan.cpp), or is known to be in line already.
//
// Two ways to know, and why the second exists:
//
// 1. The mtime rule. new/ and cur/ have the mtimes recorded at the last full scan (only
//    when at least 2 s old then: a directory can change twice within one mtime tick,
//    and file systems with 1 s or coarser stamps, or the kernel's per-tick "coarse"
//    clock on ext4 and tmpfs, give two changes a millisecond apart the same stamp). Equal
//    mtimes mean nothing changed since that scan. But any change moves them, our own
//    included: an APPEND's rename into cur/, a STORE's flag rename. The quick check
//    after it must scan the whole folder (60 to 100 ms for 20,000 messages), and the next
//    scan records nothing either while the changes keep coming. The changed mtime alone
//    cannot tell our change from one another program made in the same tick, or between
//    our rename and a stat of cur/ after it: recording "the mtime our write produced"
//    would hide such a change until something else moved the mtime again.
//
// 2. inotify (index/watcher.h). A folder that is open in this process is watched; every
//    change any process makes to new/ or cur/ on a local file system queues an event
//    before the system call that made it returns, and the watcher's thread applies the
//    events (syncNames) to the index. Once it has applied everything queued before this
//    sync began, the index holds every change made before it: that is
//    Watcher::settle's barrier, usually free (nothing queued, the thread idle), otherwise
//    a wait of about a millisecond for the thread's round. This holds only
//    - after the folder was verified once with the watches in place: a sync by the mtime
//      rule (scanning when it has to) that began once new/ and cur/ were watched finds
//      what changed before the watches, the events everything after;
//    - while no event was lost: a queue overflow, a failed batch or a watched directory
//      going away takes the trust back until a sync by the mtime rule verifies again;
//    - on file systems where inotify sees other machines' changes too (not NFS and
//      the like; Watcher keeps a list), so nothing else could change the files unseen.
//    The watcher's own periodic check keeps using the mtime rule, as the safety net it
//    was: it finds what an unforeseen gap in the events let through, within 30 s.
//
// A folder with a deferred cur/ watch (opened with trustworthy mtimes) that must scan
// adds the watch first (Watcher::armNow): the scan then also verifies it, and the
// folder's next syncs need no scan.

#include "base/log.h"
#include "index/file_util.h"
#include "index/folder.h"
#include "index/mailstore.h"
#include "index/sqlite.h"
#include "index/watcher.h"

namespace maildex::index {

void Folder::sync(SyncMode mode) {
    bool scan = mode == SyncMode::Full;
    // Asked before the mtimes are read: a change after this point is in the mtimes, or in
    // an event the watcher applies before the next sync's settle() returns.
    std::uint64_t watchId = watchId_.load();
    Watcher::Cover cover;
    if (!scan && watchId != 0) cover = Watcher::instance().settle(watchId);
    const bool eventsSuffice = cover.coverage == Watcher::Coverage::Settled;
    if (!scan) {
        std::vector<ChangeEvent> events;
        {
            auto lock = store_->lockDb();
            auto& db = store_->db();
            auto d = dir();
            Transaction read(db, Transaction::Mode::Read);
            auto& q = db.prepare("SELECT new_mtime, cur_mtime FROM folder WHERE id=?1");
            q.bind(1, id_);
            std::int64_t newM = 0, curM = 0;
            if (q.step()) {
                newM = q.integer(0);
                curM = q.integer(1);
                q.reset();
                scan = !eventsSuffice && (newM == 0 || curM == 0 || newM != mtimeNs(d / "new") ||
                                          curM != mtimeNs(d / "cur"));
            }
            if (!scan) {
                catchUpLocked(db, events);
                read.commit();
                syncedNewMtime_ = newM;
                syncedCurMtime_ = curM;
            }
            if (std::exchange(pendingDamaged_, false)) scan = true;
            // An interrupted STORE (store_journal.cpp) may have changed no file name at all.
            if (!scan && hasInterruptedStores()) scan = true;
        }
        publish(events);
        if (!scan) {
            if (cover.coverage == Watcher::Coverage::Armed)
                Watcher::instance().verified(watchId, cover.epoch);
            return;
        }
    }
    // Scanning anyway: a deferred cur/ watch is added first, so that this scan verifies
    // the folder for the events (see the top of this file).
    if (cover.coverage == Watcher::Coverage::Pending) cover = Watcher::instance().armNow(watchId);
    bool insertPending = false;
    // A full scan makes the pending rows of a first index rather than inserting them.
    write({.insertPending = false}, [&](WriteScope& w) {
        pendingDamaged_ = false;  // the scan makes them again
        fullScanLocked(w.db());
        bool readWrite;
        {
            std::lock_guard l(mu_);
            readWrite = !readWriteViews_.empty();
        }
        if (readWrite) moveNewToCurLocked(w.db());
        w.claimRecent(*this);
        // Pending rows are megabytes of WAL: copying them into the database file is left to
        // the background task.
        if (insertPendingSoon_) w.deferCheckpoint();
        w.afterCommit([&] { insertPending = std::exchange(insertPendingSoon_, false); });
    });
    if (cover.coverage == Watcher::Coverage::Armed)
        Watcher::instance().verified(watchId, cover.epoch);
    if (insertPending) insertPendingRowsInBackground();
}

void Folder::periodicCheck() {
    cleanTmp(false);
    if (!store_->databaseOpen()) {
        auto d = dir();
        std::int64_t newM = syncedNewMtime_, curM = syncedCurMtime_;
        if (newM != 0 && curM != 0 && newM == mtimeNs(d / "new") && curM == mtimeNs(d / "cur"))
            return;
    }
    sync(SyncMode::Quick);
}

}  // namespace maildex::index
