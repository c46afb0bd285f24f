#include "index/watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "index/error.h"
#include "index/folder.h"

namespace maildex::index {

namespace {

WatcherOptions& globalOptions() {
    static WatcherOptions options;
    return options;
}
std::mutex optionsMu;

enum class Dir { New, Cur, Keywords };
// How long after a folder's first load the inotify watch of its cur/ is added (see
// toArm). A client that opens a folder asks right away for what it lists (every
// message's flags, the envelopes on screen); adding the watch costs a big cur/ about 10 ms
// of CPU, better spent when the client has what it asked for. A change in cur/ meanwhile
// is found by the check that follows the watch. new/, where deliveries land, and the
// keyword files are small and watched at once: a delivery reaches a client idling on a
// folder it just opened without waiting for the deferred watch.
constexpr std::chrono::milliseconds kArmDelay{1000};
// How long settle() waits for the thread to apply what is queued before the caller checks
// the directories' mtimes instead. Applying one batch takes a millisecond; a batch that
// needs a full scan of a large folder, or a thread busy with many folders, takes longer.
constexpr std::chrono::milliseconds kSettleWait{1000};

// File systems on which inotify reports the changes of every process on every machine
// that can change the files, so the events alone keep an index current (see settle()).
// Not network file systems (NFS, CIFS, Ceph, ...), FUSE or overlayfs (changes made to a
// layer below are not reported): those keep checking the directories' mtimes.
bool inotifySeesEverything(const std::filesystem::path& dir) {
    struct statfs fs;
    if (::statfs(dir.c_str(), &fs) != 0) return false;
    switch (static_cast<unsigned long>(fs.f_type)) {
        case 0xEF53UL:      // ext2, ext3, ext4
        case 0x58465342UL:  // XFS
        case 0x9123683EUL:  // Btrfs
        case 0x01021994UL:  // tmpfs
        case 0xF2F52010UL:  // F2FS
            return true;
        default:
            return false;
    }
}

constexpr std::uint32_t kMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

}  // namespace

struct Watcher::Impl {
    struct Watch {
        std::weak_ptr<Folder> folder;
        std::vector<int> wds;
        bool inotify = false;
        bool curArmed = false;    // cur/ is watched too (not deferred any more)
        bool localFs = false;     // inotifySeesEverything
        bool verified = false;    // see settle()
        std::uint64_t epoch = 0;  // bumped whenever `verified` is taken back
        std::chrono::steady_clock::time_point nextPoll;
    };
    struct Batch {
        std::set<std::string> newNames, curNames;
        bool keywords = false;
        bool rescan = false;
    };

    int fd = -1;
    int wake[2] = {-1, -1};
    std::thread thread;
    mutable std::mutex mu;
    std::condition_variable unpaused;
    std::map<std::uint64_t, Watch> watches;
    // Watches whose inotify watches this thread adds, and when: a moment after the folder
    // was opened (kArmDelay), as adding the watch on a large cur/ holds the directory's
    // lock long enough to stall whoever looks at it meanwhile, such as the session that
    // is still opening the folder (Folder::open syncs again).
    std::vector<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> toArm;
    std::unordered_map<int, std::map<std::uint64_t, Dir>> byWd;
    std::uint64_t nextId = 1;
    bool paused = false;
    bool parked = false;  // the thread is waiting while paused (holds no folder)
    std::condition_variable parkedChanged;
    bool stopping = false;
    bool loggedLimit = false;
    Stats stats;
    // The thread's rounds: each reads every queued event, then applies the batches.
    // cycleStarted counts rounds begun (before their read), cycleDone is the last round
    // whose batches are applied (see settle()).
    std::uint64_t cycleStarted = 0, cycleDone = 0;
    std::condition_variable cycleFinished;

    Impl() {
        fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
            log::warn(std::string("inotify unavailable, folders are polled: ") +
                      std::strerror(errno));
        if (::pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0)
            throwIo("Cannot create a pipe", "watcher", errno);
        thread = std::thread([this] { run(); });
    }

    ~Impl() {
        stop();
        if (fd >= 0) ::close(fd);
        ::close(wake[0]);
        ::close(wake[1]);
    }

    // Ends the thread and waits for it. The Watcher calls it before letting go of the
    // Impl: otherwise, at exit, a watch handle released on the thread itself (a folder
    // whose last reference the thread held) could be the last owner, and the Impl would
    // be destroyed on its own thread, which cannot join itself.
    void stop() {
        {
            std::lock_guard lock(mu);
            stopping = true;
            paused = false;
        }
        unpaused.notify_all();
        cycleFinished.notify_all();
        poke();
        if (thread.joinable()) thread.join();
    }

    void poke() {
        char c = 1;
        [[maybe_unused]] auto n = ::write(wake[1], &c, 1);
    }

    std::uint64_t add(const std::shared_ptr<Folder>& folder, bool deferred) {
        bool useInotify;
        {
            std::lock_guard lock(optionsMu);
            useInotify = globalOptions().inotify && fd >= 0;
        }
        Watch w;
        w.folder = folder;
        w.inotify = useInotify;
        w.localFs = useInotify && inotifySeesEverything(folder->dir());
        std::lock_guard lock(mu);
        std::uint64_t id = nextId++;
        auto [it, inserted] = watches.emplace(id, std::move(w));
        if (useInotify) {
            arm(id, it->second, folder->dir(), deferred ? kSmallDirs : kAllDirs);
            if (deferred && it->second.inotify)
                toArm.emplace_back(id, std::chrono::steady_clock::now() + kArmDelay);
            it->second.curArmed = !deferred && it->second.inotify;
        }
        it->second.nextPoll = std::chrono::steady_clock::now() + interval(it->second);
        poke();  // the thread may have watches to add; the poll timeout may have to shrink
        return id;
    }

    using DirList = std::vector<std::pair<const char*, Dir>>;
    inline static const DirList kSmallDirs = {{"new", Dir::New},
                                              {"courierimapkeywords", Dir::Keywords}};
    inline static const DirList kCurDir = {{"cur", Dir::Cur}};
    inline static const DirList kAllDirs = {
        {"new", Dir::New}, {"cur", Dir::Cur}, {"courierimapkeywords", Dir::Keywords}};

    // Caller holds mu. Adds the inotify watches of these subdirectories; on failure the
    // folder is polled instead.
    void arm(std::uint64_t id, Watch& w, const std::filesystem::path& dir, const DirList& dirs) {
        for (auto [sub, kind] : dirs) {
            int wd = ::inotify_add_watch(fd, (dir / sub).c_str(), kMask);
            if (wd < 0) {
                if (errno == ENOENT && kind == Dir::Keywords) continue;  // created later, or never
                if (errno == ENOSPC && !loggedLimit) {
                    loggedLimit = true;
                    std::lock_guard l(optionsMu);
                    log::warn(
                        "inotify watch limit reached (fs.inotify.max_user_watches); "
                        "further folders are polled every " +
                        std::to_string(globalOptions().unwatchedPollInterval.count()) + " ms");
                }
                w.inotify = false;
                ++stats.pollingFallbacks;
                break;
            }
            w.wds.push_back(wd);
            byWd[wd][id] = kind;
        }
        if (!w.inotify) {
            for (int wd : w.wds)
                release(wd, id);
            w.wds.clear();
            w.nextPoll = std::chrono::steady_clock::now() + interval(w);
        }
    }

    // The watches add() left to this thread, then one quick check of each folder (two
    // directory mtimes against those of its last scan) for what changed before they
    // were in place. Runs before the thread parks, so a paused watcher has them all.
    void armDeferred() {
        std::vector<std::shared_ptr<Folder>> armed;
        {
            std::lock_guard lock(mu);
            auto now = std::chrono::steady_clock::now();
            std::erase_if(toArm, [&](const auto& entry) {
                auto [id, when] = entry;
                if (when > now && !paused) return false;  // pausing arms everything
                auto it = watches.find(id);
                if (it == watches.end()) return true;  // closed already
                auto folder = it->second.folder.lock();
                if (!folder) return true;
                if (!it->second.inotify) return true;       // polled after all: nothing to add
                base::FsIdentityScope as(folder->owner());  // the owner's directory
                arm(id, it->second, folder->dir(), kCurDir);
                it->second.curArmed = it->second.inotify;
                armed.push_back(std::move(folder));
                return true;
            });
        }
        for (const auto& folder : armed) {
            try {
                base::FsIdentityScope as(folder->owner());
                folder->sync(Folder::SyncMode::Quick);
            } catch (const std::exception& e) {
                log::warn("folder '" + folder->name() +
                          "': check after watching failed: " + e.what());
            }
        }
    }

    // Caller holds mu. The folder's index may have missed a change: its quick syncs go
    // back to the mtime rule until one of them verifies it again.
    void untrust(Watch& w) {
        w.verified = false;
        ++w.epoch;
    }

    Cover coverLocked(const Watch& w) const {
        if (!w.inotify || !w.localFs) return {Coverage::None, w.epoch};
        if (!w.curArmed) return {Coverage::Pending, w.epoch};
        return {Coverage::Armed, w.epoch};
    }

    Cover settle(std::uint64_t id) {
        bool onThread = std::this_thread::get_id() == thread.get_id();
        // Whether events are queued, looked at before the rounds: an event the thread reads
        // after this look belongs to a round that is not done yet.
        bool queued = false;
        if (fd >= 0 && !onThread) {
            pollfd p{fd, POLLIN, 0};
            queued = ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
        }
        std::unique_lock lock(mu);
        auto it = watches.find(id);
        if (it == watches.end()) return {};
        Cover c = coverLocked(it->second);
        if (c.coverage != Coverage::Armed || !it->second.verified || onThread || paused || stopping)
            return c;
        if (!queued && cycleStarted == cycleDone) {
            ++stats.settled;
            return {Coverage::Settled, c.epoch};
        }
        // A round that begins after this point reads whatever was queued before it.
        std::uint64_t target = cycleStarted + 1;
        ++stats.settledWaits;
        poke();
        bool done = cycleFinished.wait_for(
            lock, kSettleWait, [&] { return cycleDone >= target || paused || stopping; });
        it = watches.find(id);
        if (it == watches.end()) return {};
        if (!done || cycleDone < target) {
            ++stats.settleTimeouts;
            return coverLocked(it->second);
        }
        c = coverLocked(it->second);
        if (c.coverage == Coverage::Armed && it->second.verified) {
            c.coverage = Coverage::Settled;
            ++stats.settled;
        }
        return c;
    }

    Cover armNow(std::uint64_t id) {
        std::lock_guard lock(mu);
        auto it = watches.find(id);
        if (it == watches.end()) return {};
        Watch& w = it->second;
        if (w.inotify && !w.curArmed) {
            auto folder = w.folder.lock();
            if (!folder) return {};
            std::erase_if(toArm, [&](const auto& entry) { return entry.first == id; });
            arm(id, w, folder->dir(), kCurDir);  // under the caller's identity: the owner's
            w.curArmed = w.inotify;
        }
        return coverLocked(w);
    }

    void verified(std::uint64_t id, std::uint64_t epoch) {
        std::lock_guard lock(mu);
        auto it = watches.find(id);
        if (it == watches.end()) return;
        Watch& w = it->second;
        if (w.epoch == epoch && coverLocked(w).coverage == Coverage::Armed) w.verified = true;
    }

    // Caller holds mu.
    void release(int wd, std::uint64_t id) {
        auto it = byWd.find(wd);
        if (it == byWd.end()) return;
        it->second.erase(id);
        if (it->second.empty()) {
            byWd.erase(it);
            ::inotify_rm_watch(fd, wd);
        }
    }

    void remove(std::uint64_t id) {
        std::lock_guard lock(mu);
        auto it = watches.find(id);
        if (it == watches.end()) return;
        for (int wd : it->second.wds)
            release(wd, id);
        watches.erase(it);
    }

    std::chrono::milliseconds interval(const Watch& w) const {
        std::lock_guard lock(optionsMu);
        return w.inotify ? globalOptions().pollInterval : globalOptions().unwatchedPollInterval;
    }

    // Reads every queued event into per-watch batches. Returns true on queue overflow.
    bool readEvents(std::map<std::uint64_t, Batch>& batches) {
        alignas(inotify_event) char buf[64 * 1024];
        bool overflow = false;
        bool lastWasMoveFrom = false;
        for (int round = 0;; ++round) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) {
                // A rename's MOVED_FROM and MOVED_TO are queued together, but a read can end
                // between them; wait a moment for the second half rather than take the
                // message for deleted.
                if (lastWasMoveFrom && round < 50) {
                    pollfd p{fd, POLLIN, 0};
                    if (::poll(&p, 1, 1) > 0) continue;
                }
                break;
            }
            std::lock_guard lock(mu);
            for (char* p = buf; p < buf + n;) {
                auto* e = reinterpret_cast<inotify_event*>(p);
                p += sizeof(inotify_event) + e->len;
                lastWasMoveFrom = (e->mask & IN_MOVED_FROM) != 0;
                if (e->mask & IN_Q_OVERFLOW) {
                    overflow = true;
                    // Events are lost: no folder's index can be trusted to have them.
                    for (auto& [id, w] : watches)
                        untrust(w);
                    continue;
                }
                auto it = byWd.find(e->wd);
                if (it == byWd.end()) continue;
                for (const auto& [id, dir] : it->second) {
                    Batch& b = batches[id];
                    if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                        b.rescan = true;
                        // Its events may stop for good (a directory made anew has no
                        // watch): this watch is never trusted again.
                        if (auto w = watches.find(id); w != watches.end()) {
                            untrust(w->second);
                            w->second.localFs = false;
                        }
                        continue;
                    }
                    if (e->len == 0) continue;
                    std::string name(e->name);
                    if (name.empty() || name[0] == '.') {
                        if (dir == Dir::Keywords) b.keywords = true;  // Courier's .N. files
                        continue;
                    }
                    switch (dir) {
                        case Dir::New:
                            b.newNames.insert(std::move(name));
                            break;
                        case Dir::Cur:
                            b.curNames.insert(std::move(name));
                            break;
                        case Dir::Keywords:
                            b.keywords = true;
                            break;
                    }
                }
            }
        }
        return overflow;
    }

    std::shared_ptr<Folder> lock(std::uint64_t id) {
        std::lock_guard l(mu);
        auto it = watches.find(id);
        return it == watches.end() ? nullptr : it->second.folder.lock();
    }

    void run() {
        while (true) {
            armDeferred();
            int timeout = -1;
            {
                std::unique_lock lock(mu);
                if (paused && !stopping) {
                    parked = true;
                    parkedChanged.notify_all();
                    unpaused.wait(lock, [this] { return !paused || stopping; });
                    parked = false;
                }
                if (stopping) return;
                auto now = std::chrono::steady_clock::now();
                auto wakeAt = [&](std::chrono::steady_clock::time_point when) {
                    auto ms =
                        std::chrono::duration_cast<std::chrono::milliseconds>(when - now).count() +
                        1;
                    ms = std::max<long long>(ms, 0);
                    if (timeout < 0 || ms < timeout) timeout = static_cast<int>(ms);
                };
                for (const auto& [id, w] : watches)
                    wakeAt(w.nextPoll);
                for (const auto& [id, when] : toArm)
                    wakeAt(when);
            }
            pollfd fds[2] = {{wake[0], POLLIN, 0}, {fd, POLLIN, 0}};
            int n = ::poll(fds, fd >= 0 ? 2 : 1, timeout);
            if (n < 0 && errno != EINTR) {
                log::error(std::string("watcher poll failed: ") + std::strerror(errno));
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            if (fds[0].revents & POLLIN) {
                char drain[64];
                while (::read(wake[0], drain, sizeof drain) > 0) {
                }
            }
            std::uint64_t cycle;
            {
                std::lock_guard lock(mu);
                if (stopping) return;
                if (paused) continue;
                cycle = ++cycleStarted;
            }
            std::map<std::uint64_t, Batch> batches;
            bool overflow = fd >= 0 && (fds[1].revents & POLLIN) && readEvents(batches);
            if (!batches.empty()) {
                std::lock_guard lock(mu);
                ++stats.eventBatches;
            }
            for (auto& [id, batch] : batches) {
                auto folder = this->lock(id);
                if (!folder) continue;
                try {
                    // Each folder's sync, and its Courier mirror and quota writes, as its
                    // owner: one thread serves every user's folders.
                    base::FsIdentityScope as(folder->owner());
                    if (batch.rescan) {
                        folder->sync(Folder::SyncMode::Quick);
                    } else if (!batch.newNames.empty() || !batch.curNames.empty()) {
                        folder->syncNames({batch.newNames.begin(), batch.newNames.end()},
                                          {batch.curNames.begin(), batch.curNames.end()});
                    } else if (batch.keywords) {
                        folder->catchUp(true);
                    }
                } catch (const std::exception& e) {
                    log::warn("folder '" + folder->name() +
                              "': sync after file change failed: " + e.what());
                    std::lock_guard lock(mu);
                    if (auto w = watches.find(id); w != watches.end()) untrust(w->second);
                }
            }
            {
                // Overflow's full syncs below run without the trust (untrusted above): a
                // sync by the mtime rule gives it back.
                std::lock_guard lock(mu);
                cycleDone = cycle;
            }
            cycleFinished.notify_all();
            std::vector<std::uint64_t> due;
            {
                std::lock_guard lock(mu);
                auto now = std::chrono::steady_clock::now();
                if (overflow) {
                    ++stats.overflows;
                    log::warn("inotify event queue overflowed; rescanning every open folder");
                }
                for (auto& [id, w] : watches) {
                    if (overflow || w.nextPoll <= now) {
                        due.push_back(id);
                        w.nextPoll = now + interval(w);
                    }
                }
                stats.polls += due.size();
            }
            for (auto id : due) {
                auto folder = this->lock(id);
                if (!folder) continue;
                try {
                    base::FsIdentityScope as(folder->owner());
                    if (overflow)
                        folder->sync(Folder::SyncMode::Full);
                    else
                        folder->periodicCheck();
                } catch (const std::exception& e) {
                    log::warn("folder '" + folder->name() +
                              "': periodic check failed: " + e.what());
                }
            }
        }
    }
};

Watcher::Watcher() : impl_(std::make_shared<Impl>()) {}
Watcher::~Watcher() {
    impl_->stop();
}

Watcher& Watcher::instance() {
    static Watcher watcher;
    return watcher;
}

void Watcher::configure(const WatcherOptions& options) {
    std::lock_guard lock(optionsMu);
    globalOptions() = options;
}

std::shared_ptr<void> Watcher::watch(const std::shared_ptr<Folder>& folder, bool deferred) {
    std::uint64_t id = impl_->add(folder, deferred);
    folder->watchId_ = id;
    std::weak_ptr<Impl> weak = impl_;
    return std::shared_ptr<void>(nullptr, [weak, id](void*) {
        if (auto impl = weak.lock()) impl->remove(id);
    });
}

Watcher::Cover Watcher::settle(std::uint64_t watchId) {
    return impl_->settle(watchId);
}

Watcher::Cover Watcher::armNow(std::uint64_t watchId) {
    return impl_->armNow(watchId);
}

void Watcher::verified(std::uint64_t watchId, std::uint64_t epoch) {
    impl_->verified(watchId, epoch);
}

void Watcher::pauseForTest(bool paused) {
    std::unique_lock lock(impl_->mu);
    impl_->paused = paused;
    impl_->unpaused.notify_all();
    impl_->cycleFinished.notify_all();
    impl_->poke();
    // Pausing returns only once the thread is parked, holding no folder.
    if (paused) impl_->parkedChanged.wait(lock, [&] { return impl_->parked || impl_->stopping; });
}

Watcher::Stats Watcher::stats() const {
    std::lock_guard lock(impl_->mu);
    Stats s = impl_->stats;
    for (const auto& [id, w] : impl_->watches) {
        (w.inotify ? s.watchedFolders : s.unwatchedFolders)++;
        s.inotifyWatches += w.wds.size();
    }
    return s;
}

}  // namespace maildex::index
