// core/auth/login_throttle: answers are paced per address and per user name whatever the
// number of parallel attempts, a right password waits exactly as a wrong one would, a
// typo is forgiven by the success that follows it (and nothing else is), the delay decays
// when a key is quiet, and memory stays bounded.

#include "core/auth/login_throttle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

namespace maildex::core::auth {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using Clock = LoginThrottle::Clock;
const auto t0 = Clock::time_point{} + std::chrono::hours(1000);

std::optional<ms> fail(LoginThrottle& t, const char* address, const char* user,
                       Clock::time_point now) {
    return t.settle(address, user, false, now);
}

TEST(LoginThrottle, OneClientRetryingGetsTheGrowingDelay) {
    // Each attempt made when the previous answer arrives: answered after 0, 1, 2, 4, 8,
    // 15, 15 s, as failed logins always were.
    LoginThrottle t;
    auto now = t0;
    std::vector<ms> got;
    for (int i = 0; i < 7; ++i) {
        auto d = fail(t, "192.0.2.7", "alice", now);
        ASSERT_TRUE(d) << i;
        got.push_back(*d);
        now += *d;
    }
    EXPECT_EQ(got, (std::vector<ms>{0ms, 1000ms, 2000ms, 4000ms, 8000ms, 15000ms, 15000ms}));
    EXPECT_EQ(t.delayFor(0), 0ms);
    EXPECT_EQ(t.delayFor(1), 0ms);
    EXPECT_EQ(t.delayFor(3), 2000ms);
    EXPECT_EQ(t.delayFor(1000), 15000ms);
}

TEST(LoginThrottle, ParallelAttemptsAreAnsweredOneAfterTheOther) {
    // Sixteen connections checked at the same moment: their answers are spread out as
    // one client's would be, and those that would wait more than 30 s are refused.
    LoginThrottle t;
    std::vector<std::optional<ms>> got;
    for (int i = 0; i < 16; ++i)
        got.push_back(fail(t, "192.0.2.7", "alice", t0));
    std::vector<std::optional<ms>> want{0ms, 1000ms, 2000ms, 4000ms, 8000ms, 16000ms};
    want.resize(16, std::nullopt);
    EXPECT_EQ(got, want);
    // A refusal counted nothing: the next free turn is 15 s after the last answer.
    EXPECT_EQ(t.addressFailures("192.0.2.7", t0), 6u);
    EXPECT_FALSE(t.admit("192.0.2.7", "bob", t0 + 999ms));
    EXPECT_TRUE(t.admit("192.0.2.7", "bob", t0 + 1s));
    EXPECT_EQ(fail(t, "192.0.2.7", "bob", t0 + 1s), 30000ms);  // at 31 s
}

TEST(LoginThrottle, TheWaitDoesNotTellARightPasswordFromAWrongOne) {
    for (int failures = 0; failures < 8; ++failures) {
        LoginThrottle a, b;
        for (int i = 0; i < failures; ++i) {
            fail(a, "192.0.2.7", "alice", t0);
            fail(b, "192.0.2.7", "alice", t0);
        }
        auto now = t0 + 500ms;
        EXPECT_EQ(a.settle("192.0.2.7", "alice", true, now),
                  b.settle("192.0.2.7", "alice", false, now))
            << failures;
    }
}

TEST(LoginThrottle, APenalisedAddressWaitsForEveryAccount) {
    LoginThrottle t;
    for (int i = 0; i < 4; ++i)
        fail(t, "192.0.2.7", "alice", t0);  // answered at 0, 1, 2 and 4 s
    // Bob, from the same address, with the right password: after the attack's delay.
    EXPECT_EQ(t.settle("192.0.2.7", "bob", true, t0), 8000ms);
    // Bob from elsewhere: at once.
    EXPECT_EQ(t.settle("198.51.100.1", "bob", true, t0), 0ms);
}

TEST(LoginThrottle, AUserNameIsPacedAcrossAddresses) {
    LoginThrottle t;
    std::vector<std::optional<ms>> got;
    for (int i = 0; i < 8; ++i) {
        auto address = "10.0.0." + std::to_string(i);
        got.push_back(t.settle(address, "alice", false, t0));
    }
    std::vector<std::optional<ms>> want{0ms, 1000ms, 2000ms, 4000ms, 8000ms, 16000ms};
    want.resize(8, std::nullopt);
    EXPECT_EQ(got, want);
    EXPECT_EQ(t.userFailures("alice", t0), 6u);
    EXPECT_EQ(t.addressFailures("10.0.0.1", t0), 1u);
    // Another user from one of those addresses is hardly slowed (one failure there).
    EXPECT_EQ(t.settle("10.0.0.1", "bob", true, t0 + 1s), 1000ms);
}

TEST(LoginThrottle, LoggingInToOneAccountDoesNotResetTheAttackOnAnother) {
    LoginThrottle t;
    auto now = t0;
    for (int i = 0; i < 5; ++i)
        now += *fail(t, "192.0.2.7", "alice", now);
    // The attacker's own account, from the same address and from another.
    ASSERT_TRUE(t.settle("192.0.2.7", "mallory", true, now + 20s));
    ASSERT_TRUE(t.settle("198.51.100.1", "mallory", true, now + 20s));
    EXPECT_EQ(t.addressFailures("192.0.2.7", now + 20s), 5u);
    EXPECT_EQ(t.userFailures("alice", now + 20s), 5u);
    // Alice's real owner from her own address: her user name's failures stay too.
    ASSERT_TRUE(t.settle("203.0.113.5", "alice", true, now + 21s));
    EXPECT_EQ(t.userFailures("alice", now + 21s), 5u);
    EXPECT_EQ(fail(t, "192.0.2.7", "alice", now + 21s), 15000ms);
}

TEST(LoginThrottle, ATypoIsForgivenByTheSuccessThatFollows) {
    LoginThrottle t;
    EXPECT_EQ(fail(t, "192.0.2.7", "alice", t0), 0ms);
    // The right password, typed 3 s later: answered within a second.
    EXPECT_EQ(t.settle("192.0.2.7", "alice", true, t0 + 3s), 1000ms);
    EXPECT_EQ(t.addressFailures("192.0.2.7", t0 + 4s), 0u);
    EXPECT_EQ(t.userFailures("alice", t0 + 4s), 0u);
    // Her client's other connections, and her colleagues behind the same address: at once.
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(t.settle("192.0.2.7", "alice", true, t0 + 4s), 0ms);
    EXPECT_EQ(t.settle("192.0.2.7", "carol", true, t0 + 4s), 0ms);
}

TEST(LoginThrottle, ASuccessForgivesAtMostTwoOfItsOwnFailures) {
    LoginThrottle t;
    auto now = t0;
    for (int i = 0; i < 5; ++i)
        now += *fail(t, "192.0.2.7", "alice", now);
    fail(t, "192.0.2.7", "bob", now);
    fail(t, "198.51.100.1", "alice", now + 15s);
    ASSERT_TRUE(t.settle("192.0.2.7", "alice", true, now + 40s));
    EXPECT_EQ(t.addressFailures("192.0.2.7", now + 40s), 4u);  // 6, less two of alice's
    EXPECT_EQ(t.userFailures("alice", now + 40s), 4u);         // 6, less two from .7
    // Forgiven once: the pair starts again.
    ASSERT_TRUE(t.settle("192.0.2.7", "alice", true, now + 41s));
    EXPECT_EQ(t.userFailures("alice", now + 41s), 4u);
}

TEST(LoginThrottle, RefusalsBeyondTheLongestWaitCountNothing) {
    LoginThrottle t({.maxDelay = 4s, .maxWait = 5s});
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(fail(t, "192.0.2.7", "alice", t0));  // answered at 0, 1, 2, 4 s
    EXPECT_FALSE(t.admit("192.0.2.7", "alice", t0));
    EXPECT_FALSE(t.admit("192.0.2.7", "bob", t0));       // the address's turn is taken
    EXPECT_FALSE(t.admit("198.51.100.1", "alice", t0));  // and the user name's
    EXPECT_TRUE(t.admit("198.51.100.1", "bob", t0));
    EXPECT_EQ(fail(t, "192.0.2.7", "alice", t0), std::nullopt);
    EXPECT_EQ(t.settle("192.0.2.7", "alice", true, t0), std::nullopt);
    EXPECT_EQ(t.addressFailures("192.0.2.7", t0), 4u);
    EXPECT_TRUE(t.admit("192.0.2.7", "alice", t0 + 3s));  // answered at 8 s: 5 s away
}

TEST(LoginThrottle, QuietPeriodsForgetOneFailureEach) {
    LoginThrottle t;
    auto now = t0;
    for (int i = 0; i < 5; ++i)
        now += *fail(t, "192.0.2.7", "alice", now);  // the last one at t0 + 7 s
    auto last = t0 + 7s;
    EXPECT_EQ(t.addressFailures("192.0.2.7", last + 59s), 5u);
    EXPECT_EQ(t.addressFailures("192.0.2.7", last + 60s), 4u);
    EXPECT_EQ(t.addressFailures("192.0.2.7", last + 150s), 3u);
    // The next failure after two quiet minutes counts as the fourth: 4 s rather than 15 s.
    EXPECT_EQ(fail(t, "192.0.2.7", "bob", last + 150s), 4000ms);
    EXPECT_EQ(t.addressFailures("192.0.2.7", last + 150s + 10min), 0u);
    EXPECT_EQ(fail(t, "192.0.2.7", "bob", last + 150s + 10min), 0ms);
}

TEST(LoginThrottle, TheCountStopsAtTheCapSoDecayStartsSoon) {
    LoginThrottle t({.maxWait = std::chrono::hours(10)});
    for (int i = 0; i < 100; ++i)
        fail(t, "192.0.2.7", "alice", t0);
    // 15 s is reached at the sixth failure; one quiet minute takes one off.
    auto last = t0;
    EXPECT_EQ(t.addressFailures("192.0.2.7", last), 6u);
    EXPECT_EQ(t.addressFailures("192.0.2.7", last + 60s), 5u);
}

TEST(LoginThrottle, MemoryIsBoundedByForgettingTheLeastRecent) {
    LoginThrottle t({.maxTracked = 3});
    fail(t, "10.0.0.1", "a", t0);
    fail(t, "10.0.0.2", "b", t0 + 1s);
    fail(t, "10.0.0.3", "c", t0 + 2s);
    fail(t, "10.0.0.1", "a", t0 + 3s);  // .1 is now the most recent
    fail(t, "10.0.0.4", "d", t0 + 4s);  // forgets .2
    EXPECT_EQ(t.trackedCount(), 9u);    // three each of addresses, users and pairs
    EXPECT_EQ(t.addressFailures("10.0.0.2", t0 + 4s), 0u);
    EXPECT_EQ(t.addressFailures("10.0.0.1", t0 + 4s), 2u);
    EXPECT_EQ(t.userFailures("a", t0 + 4s), 2u);
    EXPECT_EQ(t.userFailures("b", t0 + 4s), 0u);
    for (int i = 0; i < 1000; ++i)
        fail(t, ("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256)).c_str(),
             ("u" + std::to_string(i)).c_str(), t0 + 5s);
    EXPECT_EQ(t.trackedCount(), 9u);
}

TEST(LoginThrottle, FullyDecayedEntriesAreDropped) {
    LoginThrottle t;
    for (int i = 0; i < 50; ++i)
        fail(t, ("10.0.0." + std::to_string(i)).c_str(), ("u" + std::to_string(i)).c_str(), t0);
    EXPECT_EQ(t.trackedCount(), 150u);
    fail(t, "10.9.9.9", "z", t0 + 2min);  // the others' single failures have decayed
    EXPECT_EQ(t.trackedCount(), 3u);
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
    fail(t, "2001:db8:1:2::a", "u1", t0);
    fail(t, "2001:db8:1:2::b", "u2", t0 + 5s);
    EXPECT_EQ(fail(t, "2001:db8:1:2:ffff::c", "u3", t0 + 10s), 2000ms);
    EXPECT_EQ(fail(t, "2001:db8:1:3::a", "u4", t0 + 10s), 0ms);
    fail(t, "192.0.2.1", "u5", t0);
    EXPECT_EQ(fail(t, "::ffff:192.0.2.1", "u6", t0 + 5s), 1000ms);
}

TEST(LoginThrottle, OptionsChangeTheCurve) {
    LoginThrottle t({.firstDelay = 500ms, .maxDelay = 3s, .quietPeriod = 10s});
    auto now = t0;
    std::vector<ms> got;
    for (int i = 0; i < 6; ++i) {
        got.push_back(*fail(t, "192.0.2.7", "alice", now));
        now += got.back();
    }
    EXPECT_EQ(got, (std::vector<ms>{0ms, 500ms, 1000ms, 2000ms, 3000ms, 3000ms}));
    EXPECT_EQ(t.addressFailures("192.0.2.7", now + 10s), 4u);
}

// Attackers with every parallelism, each retrying as soon as its answer comes or after
// giving up on it: no 60 s window ever holds more than 8 answers per address or per user
// name (the bound is 20).
TEST(LoginThrottle, NoMinuteHoldsMoreThanEightAnswersWhateverTheParallelism) {
    for (int connections : {1, 2, 16, 64}) {
        for (ms patience : {200ms, 60000ms}) {
            LoginThrottle t;
            std::vector<Clock::time_point> next(static_cast<std::size_t>(connections), t0);
            std::vector<Clock::time_point> answers;
            const auto end = t0 + 10min;
            while (true) {
                auto it = std::min_element(next.begin(), next.end());
                if (*it >= end) break;
                auto now = *it;
                // Half the attackers share one address, all share one user name.
                auto address = (it - next.begin()) % 2 ? "192.0.2.7" : "198.51.100.1";
                if (!t.admit(address, "alice", now)) {
                    *it = now + 100ms;
                    continue;
                }
                auto d = t.settle(address, "alice", false, now);
                if (!d) {
                    *it = now + 100ms;
                    continue;
                }
                answers.push_back(now + *d);
                *it = now + std::min(*d, patience);
            }
            std::sort(answers.begin(), answers.end());
            std::deque<Clock::time_point> window;
            std::size_t most = 0;
            for (auto a : answers) {
                window.push_back(a);
                while (a - window.front() >= 60s)
                    window.pop_front();
                most = std::max(most, window.size());
            }
            EXPECT_LE(most, 8u) << connections << " connections";
            EXPECT_GE(answers.size(), 30u) << "the attack still gets answers";
        }
    }
}

// Run under -DSANITIZE=thread as well.
TEST(LoginThrottle, ManyThreadsAtOnce) {
    LoginThrottle t({.maxTracked = 16});
    std::vector<std::thread> threads;
    for (int n = 0; n < 4; ++n) {
        threads.emplace_back([&t, n] {
            for (int i = 0; i < 2000; ++i) {
                auto address = "10.0." + std::to_string(n) + "." + std::to_string(i % 40);
                auto user = "u" + std::to_string(i % 23);
                (void)t.admit(address, user);
                auto delay = t.settle(address, user, i % 7 == 0);
                if (delay) {
                    EXPECT_LE(*delay, 30000ms);
                }
                if (i % 13 == 0) (void)t.addressFailures(address);
                EXPECT_LE(t.trackedCount(), 48u);
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_LE(t.trackedCount(), 48u);
}

}  // namespace
}  // namespace maildex::core::auth
