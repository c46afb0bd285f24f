#include "index/background.h"

#include <pthread.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "base/fs_identity.h"
#include "base/log.h"

namespace maildex::index {

namespace {

// Never destroyed: a task's thread still signals on them while the process exits.
std::mutex& mu = *new std::mutex;
std::condition_variable& idle = *new std::condition_variable;
int running = 0;

}  // namespace

void runInBackground(std::function<void()> task) {
    {
        std::lock_guard lock(mu);
        ++running;
    }
    // The task works on the files of whoever asked for it (a session's first SELECT): it
    // runs, and lets go of what it holds, under the identity the asking thread was under.
    std::thread([task = std::move(task), identity = base::currentFsIdentity()]() mutable {
        pthread_setname_np(pthread_self(), "maildex-bg");  // for top -H and perf
        try {
            base::FsIdentityScope as(identity);
            try {
                task();
            } catch (const std::exception& e) {
                log::error(std::string("background index work failed: ") + e.what());
            }
            task = nullptr;  // what it holds (a folder, its index) goes before anyone is told
        } catch (const std::exception& e) {
            log::error(std::string("background index work not run: ") + e.what());
            task = nullptr;
        }
        std::lock_guard lock(mu);
        if (--running == 0) idle.notify_all();
    }).detach();
}

void waitForBackgroundWork() {
    std::unique_lock lock(mu);
    idle.wait(lock, [] { return running == 0; });
}

}  // namespace maildex::index
