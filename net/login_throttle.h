#pragma once
// Failed logins are slowed down and counted per client address (design.md, "Security
// model"). The throttle only does the bookkeeping and says how long to wait: the network
// layer holds back the failed login's answer for that long without holding a thread.
//
// Policy: the first failure from an address is answered at once, the next ones after 1 s,
// 2 s, 4 s, ... up to a cap (15 s). Every quiet period (60 s) without a failure takes one
// failure off the count, so the delay halves each quiet minute and an address that
// stopped failing is forgotten. A successful login forgets the address at once.
//
// Addresses: IPv4 as it is; IPv6 by its /64 (one customer usually holds a whole /64, and
// counting single addresses would let it rotate through 2^64 of them); IPv4-mapped IPv6
// as the IPv4 address; anything else (e.g. "stdio") as the string it is.
//
// Memory is bounded: at most maxTracked addresses are remembered; a new one beyond that
// evicts the one whose last failure is oldest.

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace maildex::net {

struct LoginThrottleOptions {
    std::chrono::milliseconds firstDelay{1000};  // the delay of the second failure
    std::chrono::milliseconds maxDelay{15000};
    std::chrono::seconds quietPeriod{60};  // each one without failures forgets one failure
    std::size_t maxTracked = 65536;        // addresses remembered at most
};

// Thread-safe: every member may be called from any thread.
class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    explicit LoginThrottle(LoginThrottleOptions options = {});

    // Counts a failed login from `address`; returns how long to wait before answering it.
    std::chrono::milliseconds recordFailure(std::string_view address,
                                            Clock::time_point now = Clock::now());

    // A successful login: the address starts again from zero.
    void recordSuccess(std::string_view address);

    // The failures that still count for `address` at `now` (after decay).
    unsigned failures(std::string_view address, Clock::time_point now = Clock::now()) const;

    // The delay a failure with `failures` counted failures (this one included) gets.
    std::chrono::milliseconds delayFor(unsigned failures) const;

    // How many addresses are remembered now.
    std::size_t trackedCount() const;

    // The key an address is counted under (see above).
    static std::string addressKey(std::string_view address);

  private:
    struct Record {
        unsigned failures = 0;
        Clock::time_point lastFailure;
        std::list<std::string>::iterator order;  // position in byAge_
    };
    unsigned decayed(const Record& r, Clock::time_point now) const;
    void forget(std::unordered_map<std::string, Record>::iterator it);

    const LoginThrottleOptions options_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Record> records_;
    std::list<std::string> byAge_;  // keys, most recent failure first
};

}  // namespace maildex::net
