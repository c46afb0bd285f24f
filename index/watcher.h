#pragma once
// Tells open folders about changes to their files the moment they happen.
//
// One inotify instance and one thread per process watch new/, cur/ and
// courierimapkeywords/ of every folder that is open (has a Folder object). Events are
// batched per folder and handed to Folder::syncNames(), which reconciles just those
// names; the folder then publishes the same change events a session's own command would.
//
// What inotify cannot do is covered by a periodic quick check (directory mtimes) of every
// watched folder: NFS and other file systems without inotify, a full event queue
// (IN_Q_OVERFLOW, after which every folder is fully rescanned), and folders beyond the
// inotify watch limit (those are logged once and polled).
//
// Trusting inotify (Folder::sync). A folder whose new/ and cur/ are both watched, on a
// local file system (where inotify sees every process's changes: not NFS, FUSE or other
// network file systems, which report only this machine's), whose index was once brought
// in line with the files after the watches were in place ("verified": a quick sync by
// the mtime rule, scanning if it had to), has every later change reach the index through
// an event. So once the events queued before a moment have been applied, the index holds
// every change made before that moment, and the folder's quick sync need not look at the
// directories' mtimes, which the folder's own APPENDs and STOREs keep moving (each move
// would otherwise cost a scan of the whole folder). settle() is that barrier. A queue
// overflow, a failed sync of a batch, or a watched directory going away takes the trust
// back until the next sync by the mtime rule.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace maildex::index {

class Folder;

struct WatcherOptions {
    bool inotify = true;                                    // false: periodic checks only
    std::chrono::milliseconds pollInterval{30000};          // quick check of watched folders
    std::chrono::milliseconds unwatchedPollInterval{2000};  // ... of folders inotify cannot watch
};

class Watcher {
  public:
    // The process-wide watcher, started on first use.
    static Watcher& instance();
    // Applies to watches made afterwards; tests and maildexd call it before opening folders.
    static void configure(const WatcherOptions& options);

    // Watches the folder while the returned handle lives. Never fails: a folder that
    // cannot be watched is polled instead. `deferred`: the watcher's thread adds the
    // inotify watches (which costs the kernel 10 ms on a cur/ of 100,000 cached entries)
    // and then checks the folder's directory mtimes once; only for a folder whose last
    // scan recorded trustworthy mtimes that still match, as any change in between then
    // moves them.
    std::shared_ptr<void> watch(const std::shared_ptr<Folder>& folder, bool deferred = false);

    // How far inotify covers a watched folder, for Folder::sync.
    enum class Coverage {
        None,     // not watched by inotify (polled, a network file system, unknown watch)
        Pending,  // new/ is watched, cur/ not yet (a deferred watch); armNow() adds it
        Armed,    // new/ and cur/ are watched: a sync by the mtime rule now verifies
        Settled,  // verified, and every event queued before the call has been applied
    };
    struct Cover {
        Coverage coverage = Coverage::None;
        std::uint64_t epoch = 0;  // for verified(): changes whenever trust is taken back
    };
    // The folder's coverage; for a verified folder, first waits (briefly: at most
    // kSettleWait, else Armed) until the events queued before the call are applied. On
    // the watcher's own thread never Settled: it cannot wait for itself, and its periodic
    // check is the mtime rule's safety net.
    Cover settle(std::uint64_t watchId);
    // Adds a deferred watch's cur/ watch now (the caller is about to scan the folder
    // anyway); returns the coverage after it.
    Cover armNow(std::uint64_t watchId);
    // A sync by the mtime rule that began at coverage Armed (epoch `epoch`) has finished:
    // from now on the folder's quick syncs may trust the events.
    void verified(std::uint64_t watchId, std::uint64_t epoch);

    // For tests: while paused the thread reads no events (so the kernel queue can
    // overflow) and runs no checks. Pausing waits until the thread holds no folder.
    void pauseForTest(bool paused);
    // For tests and metrics.
    struct Stats {
        std::uint64_t eventBatches = 0;
        std::uint64_t overflows = 0;
        std::uint64_t polls = 0;
        std::uint64_t settled = 0;         // settle() calls that let a quick sync trust the events
        std::uint64_t settledWaits = 0;    // settle() calls that had to wait for the thread
        std::uint64_t settleTimeouts = 0;  // ... and gave up (the folder then checked mtimes)
        std::uint64_t pollingFallbacks = 0;  // folders inotify could not watch (limit, NFS...)
        std::size_t watchedFolders = 0;
        std::size_t unwatchedFolders = 0;
        std::size_t inotifyWatches = 0;  // watch descriptors held
    };
    Stats stats() const;

    ~Watcher();

  private:
    Watcher();
    struct Impl;
    // Shared so a watch handle released after the watcher (at process exit) is harmless.
    std::shared_ptr<Impl> impl_;
};

}  // namespace maildex::index
