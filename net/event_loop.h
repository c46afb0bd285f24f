#pragma once
// The event loop: one thread with epoll that owns every connection while it waits. It
// reads and writes sockets (and runs TLS on them), keeps the timers, and hands complete
// work to the worker pool; a connection that is waiting (between commands, in IDLE)
// costs no thread at all.
//
// Other threads talk to the loop only through post(), which queues a task and wakes the
// loop through an eventfd.

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace maildex::net {

class Connection;

class EventLoop {
  public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Runs the loop in a thread of its own.
    void start();
    // Stops and joins the thread.
    void stop();
    // Runs `task` in the loop thread (any thread may call it).
    void post(std::function<void()> task);
    bool inLoop() const { return std::this_thread::get_id() == thread_.get_id(); }

    // Loop thread only.
    void add(std::shared_ptr<Connection> connection);
    void remove(std::uint64_t id);
    Connection* find(std::uint64_t id);
    void watch(int fd, std::uint64_t id, std::uint32_t events, bool modify);
    void unwatch(int fd);
    std::size_t size() const { return connections_.size(); }
    // Calls f for every connection (loop thread).
    void forEach(const std::function<void(Connection&)>& f);
    // The next tick (every connection's timers) comes no later than `when`, not on the
    // usual second: a failed login's delayed answer goes out on time. Loop thread only.
    void tickNoLaterThan(std::chrono::steady_clock::time_point when) {
        if (when < nextTick_) nextTick_ = when;
    }

    // A read buffer shared by all connections of this loop (loop thread only): an idle
    // connection keeps no buffer of its own.
    std::vector<char>& readBuffer() { return readBuffer_; }

  private:
    void run();
    void runTasks();

    int epoll_ = -1;
    int wake_ = -1;  // eventfd
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::mutex tasksMu_;
    std::vector<std::function<void()>> tasks_;
    std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> connections_;
    std::vector<std::shared_ptr<Connection>> graveyard_;  // freed after the current batch
    std::vector<char> readBuffer_ = std::vector<char>(64 * 1024);
    std::chrono::steady_clock::time_point nextTick_;
};

}  // namespace maildex::net
