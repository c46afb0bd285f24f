#include "net/login_throttle.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace maildex::net {

namespace {

// The failure count stops growing where the delay reaches its cap: counting further
// would only make a reformed address wait longer for the delay to start shrinking.
unsigned countAtCap(const LoginThrottleOptions& o) {
    unsigned n = 2;
    auto d = o.firstDelay;
    while (d < o.maxDelay && n < 32) {
        d *= 2;
        ++n;
    }
    return n;
}

LoginThrottleOptions sane(LoginThrottleOptions o) {
    if (o.maxTracked == 0) o.maxTracked = 1;
    if (o.firstDelay.count() <= 0) o.firstDelay = std::chrono::milliseconds{1};
    return o;
}

}  // namespace

LoginThrottle::LoginThrottle(LoginThrottleOptions options) : options_(sane(options)) {}

std::string LoginThrottle::addressKey(std::string_view address) {
    std::string text(address);
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    char out[INET6_ADDRSTRLEN];
    in_addr v4{};
    if (::inet_pton(AF_INET, text.c_str(), &v4) == 1 && ::inet_ntop(AF_INET, &v4, out, sizeof out))
        return out;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&v6)) {
            std::memcpy(&v4, &v6.s6_addr[12], 4);
            if (::inet_ntop(AF_INET, &v4, out, sizeof out)) return out;
        }
        std::memset(&v6.s6_addr[8], 0, 8);
        if (::inet_ntop(AF_INET6, &v6, out, sizeof out)) return std::string(out) + "/64";
    }
    return std::string(address);
}

std::chrono::milliseconds LoginThrottle::delayFor(unsigned failures) const {
    if (failures <= 1) return std::chrono::milliseconds{0};
    auto d = options_.firstDelay;
    for (unsigned i = 2; i < failures && d < options_.maxDelay; ++i)
        d *= 2;
    return std::min(d, options_.maxDelay);
}

unsigned LoginThrottle::decayed(const Record& r, Clock::time_point now) const {
    if (now <= r.lastFailure || options_.quietPeriod.count() <= 0) return r.failures;
    auto periods = (now - r.lastFailure) / options_.quietPeriod;
    if (periods >= static_cast<decltype(periods)>(r.failures)) return 0;
    return r.failures - static_cast<unsigned>(periods);
}

void LoginThrottle::forget(std::unordered_map<std::string, Record>::iterator it) {
    byAge_.erase(it->second.order);
    records_.erase(it);
}

std::chrono::milliseconds LoginThrottle::recordFailure(std::string_view address,
                                                       Clock::time_point now) {
    auto key = addressKey(address);
    std::lock_guard lock(mu_);
    unsigned count;
    auto it = records_.find(key);
    if (it != records_.end()) {
        Record& r = it->second;
        count = std::min(decayed(r, now) + 1, countAtCap(options_));
        r.failures = count;
        r.lastFailure = now;
        byAge_.splice(byAge_.begin(), byAge_, r.order);
    } else {
        while (records_.size() >= options_.maxTracked)
            forget(records_.find(byAge_.back()));
        count = 1;
        byAge_.push_front(key);
        records_.emplace(std::move(key), Record{count, now, byAge_.begin()});
    }
    // Housekeeping: the oldest entries are the first to have decayed to nothing.
    while (byAge_.size() > 1) {
        auto oldest = records_.find(byAge_.back());
        if (decayed(oldest->second, now) != 0) break;
        forget(oldest);
    }
    return delayFor(count);
}

void LoginThrottle::recordSuccess(std::string_view address) {
    auto key = addressKey(address);
    std::lock_guard lock(mu_);
    auto it = records_.find(key);
    if (it != records_.end()) forget(it);
}

unsigned LoginThrottle::failures(std::string_view address, Clock::time_point now) const {
    auto key = addressKey(address);
    std::lock_guard lock(mu_);
    auto it = records_.find(key);
    return it == records_.end() ? 0 : decayed(it->second, now);
}

std::size_t LoginThrottle::trackedCount() const {
    std::lock_guard lock(mu_);
    return records_.size();
}

}  // namespace maildex::net
