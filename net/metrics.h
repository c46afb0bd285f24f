#pragma once
// Counters, gauges and latency histograms, rendered in the Prometheus text format by the
// admin endpoint. Updated from every thread; each metric is a few atomics.

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace maildex::net {

class Metrics {
  public:
    static Metrics& instance();

    std::atomic<std::int64_t> connectionsOpen{0};
    std::atomic<std::int64_t> connectionsIdle{0};  // in IDLE
    std::atomic<std::int64_t> connectionsAuthenticated{0};
    std::atomic<std::uint64_t> connectionsAccepted{0};
    std::atomic<std::uint64_t> connectionsRefused{0};  // MAXDAEMONS / MAXPERIP
    std::atomic<std::uint64_t> loginsOk{0};
    std::atomic<std::uint64_t> loginsFailed{0};
    std::atomic<std::uint64_t> loginsThrottled{0};  // refused unchecked (login pacing)
    std::atomic<std::uint64_t> tlsHandshakesOk{0};
    std::atomic<std::uint64_t> tlsHandshakesFailed{0};
    // Client addresses a trusted proxy named (net/connection.cpp), and headers refused.
    std::atomic<std::uint64_t> proxyHeadersAccepted{0};
    std::atomic<std::uint64_t> proxyHeadersRefused{0};
    std::atomic<std::uint64_t> clientsFromId{0};

    // A command finished: name (FETCH, UID FETCH...), result (OK, NO, BAD) and duration.
    void command(const std::string& name, const std::string& result,
                 std::chrono::microseconds duration);

    // Prometheus exposition text. `extra` lines (index syncs, inotify...) are appended.
    std::string render(const std::string& extra) const;

  private:
    static constexpr std::array<double, 10> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                     0.025,  0.05,  0.1,    0.5,   2.5};
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size() + 1> counts{};
        double sum = 0;
        std::uint64_t count = 0;
    };
    mutable std::mutex mu_;
    std::map<std::pair<std::string, std::string>, Histogram> commands_;
};

}  // namespace maildex::net
