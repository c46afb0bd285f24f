// net/login_throttle: the delay grows per address, decays when the address is quiet, is
// reset by a success, and memory stays bounded.

#include "net/login_throttle.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace maildex::net {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
const auto t0 = LoginThrottle::Clock::time_point{} + std::chrono::hours(1000);

TEST(LoginThrottle, DelayDoublesUpToTheCap) {
    LoginThrottle t;
    std::vector<ms> got;
    for (int i = 0; i < 8; ++i)
        got.push_back(t.recordFailure("192.0.2.7", t0 + i * 1s));
    EXPECT_EQ(got,
              (std::vector<ms>{0ms, 1000ms, 2000ms, 4000ms, 8000ms, 15000ms, 15000ms, 15000ms}));
    EXPECT_EQ(t.delayFor(0), 0ms);
    EXPECT_EQ(t.delayFor(1), 0ms);
    EXPECT_EQ(t.delayFor(3), 2000ms);
    EXPECT_EQ(t.delayFor(1000), 15000ms);
}

TEST(LoginThrottle, AddressesAreCountedSeparately) {
    LoginThrottle t;
    t.recordFailure("192.0.2.1", t0);
    t.recordFailure("192.0.2.1", t0);
    EXPECT_EQ(t.recordFailure("192.0.2.1", t0), 2000ms);
    EXPECT_EQ(t.recordFailure("192.0.2.2", t0), 0ms);
    EXPECT_EQ(t.failures("192.0.2.1", t0), 3u);
    EXPECT_EQ(t.failures("198.51.100.1", t0), 0u);
}

TEST(LoginThrottle, QuietPeriodsForgetOneFailureEach) {
    LoginThrottle t;
    for (int i = 0; i < 5; ++i)
        t.recordFailure("192.0.2.7", t0);
    EXPECT_EQ(t.failures("192.0.2.7", t0 + 59s), 5u);
    EXPECT_EQ(t.failures("192.0.2.7", t0 + 60s), 4u);
    EXPECT_EQ(t.failures("192.0.2.7", t0 + 150s), 3u);
    // The next failure after two quiet minutes counts as the fourth: 4 s rather than 15 s.
    EXPECT_EQ(t.recordFailure("192.0.2.7", t0 + 150s), 4000ms);
    EXPECT_EQ(t.failures("192.0.2.7", t0 + 150s + 10min), 0u);
    EXPECT_EQ(t.recordFailure("192.0.2.7", t0 + 150s + 10min), 0ms);
}

TEST(LoginThrottle, TheCountStopsAtTheCapSoDecayStartsSoon) {
    LoginThrottle t;
    for (int i = 0; i < 100; ++i)
        t.recordFailure("192.0.2.7", t0);
    // 15 s is reached at the sixth failure; one quiet minute brings it down to 8 s.
    EXPECT_EQ(t.failures("192.0.2.7", t0), 6u);
    EXPECT_EQ(t.delayFor(t.failures("192.0.2.7", t0 + 60s) + 1), 15000ms);
    EXPECT_EQ(t.recordFailure("192.0.2.7", t0 + 120s), 8000ms);
}

TEST(LoginThrottle, ASuccessResetsTheAddress) {
    LoginThrottle t;
    for (int i = 0; i < 4; ++i)
        t.recordFailure("192.0.2.7", t0);
    t.recordSuccess("192.0.2.7");
    EXPECT_EQ(t.failures("192.0.2.7", t0), 0u);
    EXPECT_EQ(t.trackedCount(), 0u);
    EXPECT_EQ(t.recordFailure("192.0.2.7", t0), 0ms);
    t.recordSuccess("203.0.113.9");  // never failed: nothing to do
    EXPECT_EQ(t.trackedCount(), 1u);
}

TEST(LoginThrottle, MemoryIsBoundedByEvictingTheOldest) {
    LoginThrottle t({.maxTracked = 3});
    t.recordFailure("10.0.0.1", t0);
    t.recordFailure("10.0.0.2", t0 + 1s);
    t.recordFailure("10.0.0.3", t0 + 2s);
    t.recordFailure("10.0.0.1", t0 + 3s);  // .1 is now the most recent
    t.recordFailure("10.0.0.4", t0 + 4s);  // evicts .2
    EXPECT_EQ(t.trackedCount(), 3u);
    EXPECT_EQ(t.failures("10.0.0.2", t0 + 4s), 0u);
    EXPECT_EQ(t.failures("10.0.0.1", t0 + 4s), 2u);
    EXPECT_EQ(t.failures("10.0.0.3", t0 + 4s), 1u);
    for (int i = 0; i < 1000; ++i)
        t.recordFailure("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0 + 5s);
    EXPECT_EQ(t.trackedCount(), 3u);
}

TEST(LoginThrottle, FullyDecayedAddressesAreDropped) {
    LoginThrottle t;
    for (int i = 0; i < 50; ++i)
        t.recordFailure("10.0.0." + std::to_string(i), t0);
    EXPECT_EQ(t.trackedCount(), 50u);
    t.recordFailure("10.9.9.9", t0 + 2min);  // the others' single failures have decayed
    EXPECT_EQ(t.trackedCount(), 1u);
}

TEST(LoginThrottle, AddressKeys) {
    EXPECT_EQ(LoginThrottle::addressKey("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(LoginThrottle::addressKey("::ffff:192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(LoginThrottle::addressKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    EXPECT_EQ(LoginThrottle::addressKey("[2001:db8:1:2::9]"), "2001:db8:1:2::/64");
    EXPECT_EQ(LoginThrottle::addressKey("::1"), "::/64");
    EXPECT_EQ(LoginThrottle::addressKey("stdio"), "stdio");

    // One /64 is one client, however many addresses it uses.
    LoginThrottle t;
    t.recordFailure("2001:db8:1:2::a", t0);
    t.recordFailure("2001:db8:1:2::b", t0);
    EXPECT_EQ(t.recordFailure("2001:db8:1:2:ffff::c", t0), 2000ms);
    EXPECT_EQ(t.recordFailure("2001:db8:1:3::a", t0), 0ms);
    t.recordFailure("192.0.2.1", t0);
    EXPECT_EQ(t.recordFailure("::ffff:192.0.2.1", t0), 1000ms);
}

TEST(LoginThrottle, OptionsChangeTheCurve) {
    LoginThrottle t({.firstDelay = 500ms, .maxDelay = 3s, .quietPeriod = 10s});
    std::vector<ms> got;
    for (int i = 0; i < 6; ++i)
        got.push_back(t.recordFailure("192.0.2.7", t0));
    EXPECT_EQ(got, (std::vector<ms>{0ms, 500ms, 1000ms, 2000ms, 3000ms, 3000ms}));
    EXPECT_EQ(t.failures("192.0.2.7", t0 + 10s), 4u);
}

// Run under -DSANITIZE=thread as well.
TEST(LoginThrottle, ManyThreadsAtOnce) {
    LoginThrottle t({.maxTracked = 16});
    std::vector<std::thread> threads;
    for (int n = 0; n < 4; ++n) {
        threads.emplace_back([&t, n] {
            for (int i = 0; i < 2000; ++i) {
                auto address = "10.0." + std::to_string(n) + "." + std::to_string(i % 40);
                auto delay = t.recordFailure(address);
                EXPECT_LE(delay, 15000ms);
                if (i % 7 == 0) t.recordSuccess(address);
                if (i % 13 == 0) (void)t.failures(address);
                EXPECT_LE(t.trackedCount(), 16u);
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_LE(t.trackedCount(), 16u);
}

}  // namespace
}  // namespace maildex::net
