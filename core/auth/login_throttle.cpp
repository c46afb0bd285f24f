#include "core/auth/login_throttle.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace maildex::core::auth {

namespace {

using Clock = LoginThrottle::Clock;
using std::chrono::milliseconds;

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
    if (o.firstDelay.count() <= 0) o.firstDelay = milliseconds{1};
    if (o.maxDelay < o.firstDelay) o.maxDelay = o.firstDelay;
    // A shorter longest wait than the longest delay would refuse a penalised key until
    // its failures decay, rather than answer it at its pace.
    if (o.maxWait < o.maxDelay) o.maxWait = o.maxDelay;
    return o;
}

std::string pairKey(const std::string& address, std::string_view user) {
    // A NUL cannot be in an address key; it keeps "a" + "b|c" apart from "a|b" + "c".
    std::string key = address;
    key += '\0';
    key += user;
    return key;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Table.

const LoginThrottle::Record* LoginThrottle::Table::find(const std::string& key) const {
    auto it = records_.find(key);
    return it == records_.end() ? nullptr : &it->second.record;
}

LoginThrottle::Record& LoginThrottle::Table::touch(const std::string& key) {
    auto it = records_.find(key);
    if (it != records_.end()) {
        byAge_.splice(byAge_.begin(), byAge_, it->second.order);
        return it->second.record;
    }
    while (records_.size() >= limit_) {
        records_.erase(byAge_.back());
        byAge_.pop_back();
    }
    byAge_.push_front(key);
    return records_.emplace(key, Entry{Record{}, byAge_.begin()}).first->second.record;
}

void LoginThrottle::Table::erase(const std::string& key) {
    auto it = records_.find(key);
    if (it == records_.end()) return;
    byAge_.erase(it->second.order);
    records_.erase(it);
}

template <class Useless>
void LoginThrottle::Table::sweep(Useless useless) {
    // The least recently active are the first to be of no more use.
    while (!byAge_.empty()) {
        auto it = records_.find(byAge_.back());
        if (!useless(it->second.record)) break;
        records_.erase(it);
        byAge_.pop_back();
    }
}

// ---------------------------------------------------------------------------------------
// The throttle.

LoginThrottle::LoginThrottle(LoginThrottleOptions options)
    : options_(sane(options)),
      addresses_(options_.maxTracked),
      users_(options_.maxTracked),
      pairs_(options_.maxTracked) {}

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

milliseconds LoginThrottle::delayFor(unsigned failures) const {
    if (failures <= 1) return milliseconds{0};
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

Clock::time_point LoginThrottle::earliestAnswer(const Record* r, Clock::time_point now) const {
    if (!r) return now;
    unsigned n = decayed(*r, now);
    // As late as this attempt's answer would be if it failed, whatever its verdict, and
    // after the key's last failure has had its delay.
    return std::max(now + delayFor(n + 1), r->lastFailedAt + delayFor(n));
}

void LoginThrottle::countFailure(Record& r, Clock::time_point now,
                                 Clock::time_point answerAt) const {
    r.failures = std::min(decayed(r, now) + 1, countAtCap(options_));
    r.lastFailure = now;
    r.lastFailedAt = answerAt;
}

void LoginThrottle::forgive(Record& r, unsigned n, Clock::time_point now) const {
    // Decay is counted from the last failure: taking n off the stored count takes n off
    // what is left of it.
    unsigned left = decayed(r, now);
    if (left <= n)
        r.failures = 0;
    else
        r.failures -= n;
}

bool LoginThrottle::admit(std::string_view address, std::string_view user,
                          Clock::time_point now) const {
    auto a = addressKey(address);
    std::string u(user);
    std::lock_guard lock(mu_);
    auto at =
        std::max(earliestAnswer(addresses_.find(a), now), earliestAnswer(users_.find(u), now));
    return at - now <= options_.maxWait;
}

std::optional<milliseconds> LoginThrottle::settle(std::string_view address, std::string_view user,
                                                  bool succeeded, Clock::time_point now) {
    auto a = addressKey(address);
    std::string u(user);
    std::lock_guard lock(mu_);
    auto at =
        std::max(earliestAnswer(addresses_.find(a), now), earliestAnswer(users_.find(u), now));
    if (at - now > options_.maxWait) return std::nullopt;  // refused: counts for nothing

    Record& ar = addresses_.touch(a);
    Record& ur = users_.touch(u);
    auto pk = pairKey(a, u);
    if (!succeeded) {
        countFailure(ar, now, at);
        countFailure(ur, now, at);
        countFailure(pairs_.touch(pk), now, at);
    } else if (const Record* pr = pairs_.find(pk)) {
        unsigned n = std::min(decayed(*pr, now), options_.forgivenBySuccess);
        forgive(ar, n, now);
        forgive(ur, n, now);
        pairs_.erase(pk);
    }
    sweep(now);
    return std::chrono::ceil<milliseconds>(at - now);
}

void LoginThrottle::sweep(Clock::time_point now) {
    auto useless = [&](const Record& r) { return decayed(r, now) == 0 && r.lastFailedAt <= now; };
    addresses_.sweep(useless);
    users_.sweep(useless);
    pairs_.sweep(useless);
}

unsigned LoginThrottle::addressFailures(std::string_view address, Clock::time_point now) const {
    auto a = addressKey(address);
    std::lock_guard lock(mu_);
    const Record* r = addresses_.find(a);
    return r ? decayed(*r, now) : 0;
}

unsigned LoginThrottle::userFailures(std::string_view user, Clock::time_point now) const {
    std::string u(user);
    std::lock_guard lock(mu_);
    const Record* r = users_.find(u);
    return r ? decayed(*r, now) : 0;
}

std::size_t LoginThrottle::trackedCount() const {
    std::lock_guard lock(mu_);
    return addresses_.size() + users_.size() + pairs_.size();
}

}  // namespace maildex::core::auth
