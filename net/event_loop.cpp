#include "net/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "base/log.h"
#include "net/connection.h"

namespace maildex::net {

namespace {
constexpr std::uint64_t kWakeId = 0;  // epoll data of the eventfd; connection ids start at 1
}

EventLoop::EventLoop() {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0)
        throw std::runtime_error(std::string("event loop: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeId;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
}

EventLoop::~EventLoop() {
    stop();
    connections_.clear();
    graveyard_.clear();
    ::close(epoll_);
    ::close(wake_);
}

void EventLoop::start() {
    thread_ = std::thread([this] { run(); });
}

void EventLoop::stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
    thread_.join();
}

void EventLoop::post(std::function<void()> task) {
    bool first;
    {
        std::lock_guard lock(tasksMu_);
        first = tasks_.empty();
        tasks_.push_back(std::move(task));
    }
    // The loop takes every queued task at once: only the first of a batch (a delivery
    // waking a thousand idlers posts a thousand) needs to wake it.
    if (!first) return;
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
}

void EventLoop::add(std::shared_ptr<Connection> connection) {
    auto id = connection->id();
    connections_.emplace(id, std::move(connection));
}

void EventLoop::remove(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    // Events for it may still be in the batch being handled: keep it alive until then.
    graveyard_.push_back(std::move(it->second));
    connections_.erase(it);
}

Connection* EventLoop::find(std::uint64_t id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
}

void EventLoop::watch(int fd, std::uint64_t id, std::uint32_t events, bool modify) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_, modify ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
        log::warn(std::string("epoll_ctl: ") + std::strerror(errno));
}

void EventLoop::unwatch(int fd) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::forEach(const std::function<void(Connection&)>& f) {
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(connections_.size());
    for (auto& [id, c] : connections_)
        all.push_back(c);
    for (auto& c : all)
        f(*c);
}

void EventLoop::runTasks() {
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(tasksMu_);
        tasks.swap(tasks_);
    }
    for (auto& t : tasks)
        t();
}

void EventLoop::run() {
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    nextTick_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!stopping_) {
        auto now = std::chrono::steady_clock::now();
        int timeout = static_cast<int>(std::max<long long>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(nextTick_ - now).count()));
        int n = ::epoll_wait(epoll_, events, kMaxEvents, timeout);
        if (n < 0 && errno != EINTR) {
            log::error(std::string("epoll_wait: ") + std::strerror(errno));
            continue;
        }
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == kWakeId) {
                std::uint64_t count;
                [[maybe_unused]] auto r = ::read(wake_, &count, sizeof count);
                continue;
            }
            if (Connection* c = find(events[i].data.u64)) c->onEvents(events[i].events);
        }
        runTasks();
        now = std::chrono::steady_clock::now();
        if (now >= nextTick_) {
            nextTick_ = now + std::chrono::seconds(1);
            forEach([now](Connection& c) { c.tick(now); });
        }
        graveyard_.clear();
    }
    runTasks();
}

}  // namespace maildex::net
