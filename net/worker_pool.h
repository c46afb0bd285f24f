#pragma once
// The threads that run commands. A connection is never on two workers at once: the
// event loop schedules a connection only when it is not already scheduled (see
// connection.h), so tasks of one session run one after the other, and sessions run in
// parallel.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace maildex::net {

class WorkerPool {
  public:
    explicit WorkerPool(int threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void post(std::function<void()> task);
    // Runs what is queued, then stops the threads.
    void stop();

  private:
    void run();
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace maildex::net
