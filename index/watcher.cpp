#include "index/watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
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
constexpr std::uint32_t kMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

}  // namespace

struct Watcher::Impl {
    struct Watch {
        std::weak_ptr<Folder> folder;
        std::vector<int> wds;
        bool inotify = false;
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
        std::lock_guard lock(mu);
        std::uint64_t id = nextId++;
        auto [it, inserted] = watches.emplace(id, std::move(w));
        if (useInotify) {
            arm(id, it->second, folder->dir(), deferred ? kSmallDirs : kAllDirs);
            if (deferred && it->second.inotify)
                toArm.emplace_back(id, std::chrono::steady_clock::now() + kArmDelay);
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
                    continue;
                }
                auto it = byWd.find(e->wd);
                if (it == byWd.end()) continue;
                for (const auto& [id, dir] : it->second) {
                    Batch& b = batches[id];
                    if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                        b.rescan = true;
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
            {
                std::lock_guard lock(mu);
                if (stopping) return;
                if (paused) continue;
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
                }
            }
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
    std::weak_ptr<Impl> weak = impl_;
    return std::shared_ptr<void>(nullptr, [weak, id](void*) {
        if (auto impl = weak.lock()) impl->remove(id);
    });
}

void Watcher::pauseForTest(bool paused) {
    std::unique_lock lock(impl_->mu);
    impl_->paused = paused;
    impl_->unpaused.notify_all();
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
