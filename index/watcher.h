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

    // For tests: while paused the thread reads no events (so the kernel queue can
    // overflow) and runs no checks. Pausing waits until the thread holds no folder.
    void pauseForTest(bool paused);
    // For tests and metrics.
    struct Stats {
        std::uint64_t eventBatches = 0;
        std::uint64_t overflows = 0;
        std::uint64_t polls = 0;
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
