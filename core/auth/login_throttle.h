#pragma once
// Login pacing (design.md, "Security model": failed logins are slowed per address and per
// user name, whatever the number of parallel connections). The throttle only keeps the
// books and says when an answer may be given; the network layer holds the answer back
// until then without holding a thread (net/connection.cpp, delayed_/delayUntil_).
//
// What is bounded is what an attacker learns: a guess is worth something only once its
// answer (OK, or NO [AUTHENTICATIONFAILED]) reaches the client. So every login attempt,
// right or wrong, is answered no earlier than the pace of its address and of its user
// name allows, and an attacker who gives up waiting (and tries again on a new connection)
// has learned nothing and still used up its turn.
//
// Policy, per key (the client's address, and separately the user name):
//  - A key's failures count up (one per wrong password) and decay: every quiet period
//    (60 s) without a failure takes one off, so an address that stopped failing is
//    forgotten after a few minutes. The count stops where the delay reaches its cap.
//  - With n failures counted, an attempt is answered no earlier than delayFor(n + 1)
//    after it was made (0 for the first failure, then 1 s, 2 s, 4 s, 8 s, 15 s at most),
//    and no earlier than delayFor(n) after the answer of the key's last failure. The
//    answer time is fixed before the password's verdict is known, so a right password is
//    answered exactly when a wrong one would be: the wait tells nothing.
//  - So failures are answered one after the other however many connections ask at once:
//    16 connections learn no more than one.
//  - An attempt whose answer would wait more than maxWait (30 s) is refused at once with
//    NO [UNAVAILABLE] and its password is not checked (or its verdict is thrown away):
//    it tells nothing and costs nothing, and the queue an attacker builds stays short.
//  - A success counts nothing. It takes back the failures its own address made for its
//    own user name, at most two (a mistyped password or two), so the user, and the
//    office behind the same address, are not slowed for a minute by a typo; it never
//    touches the failures other addresses made for that user, or that address made for
//    other users (logging in to one's own account does not reset the attack on another).
//
// So a user who mistyped once has the next try answered within 1 s (and then nothing is
// held against them). An attacker, with any number of connections from one address
// against any user names, or from any number of addresses against one user name, gets at
// most 8 answers in its first minute (at 0, 1, 2, 4, 8, 16, 31 and 46 s) and 4 a minute
// after that. The price: while an address or a user name is being attacked, its
// legitimate logins wait up to maxWait or are refused with UNAVAILABLE; the attacked user
// then gets in once the attack stops, or from an address not shared with the attacker
// once that user name's queue has room.
//
// Keys: addresses as IPv4, IPv6 by their /64 (one customer usually holds a whole /64),
// IPv4-mapped IPv6 as IPv4, anything else (e.g. "stdio") as the string it is; user names
// as the caller gives them (core/auth/authentication.cpp maps a login to the account a
// back end names, so "alice", "Alice@EXAMPLE.com" and "alice@example.com" with DEFDOMAIN
// are one key).
//
// Memory is bounded: at most maxTracked addresses, as many user names and as many
// (address, user name) pairs are remembered; beyond that the least recently active entry
// is forgotten, and entries whose failures have decayed are dropped as they are passed.

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace maildex::core::auth {

struct LoginThrottleOptions {
    std::chrono::milliseconds firstDelay{1000};  // the delay of the second failure
    std::chrono::milliseconds maxDelay{15000};
    std::chrono::seconds quietPeriod{60};      // each one without failures forgets one failure
    std::chrono::milliseconds maxWait{30000};  // longer: refused unchecked (UNAVAILABLE)
    unsigned forgivenBySuccess = 2;            // failures of its own a success takes back
    std::size_t maxTracked = 65536;            // keys remembered at most, per kind
};

// Thread-safe: every member may be called from any thread.
class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    explicit LoginThrottle(LoginThrottleOptions options = {});

    // Before the password is checked: false when the answer could not be given within
    // maxWait, so the attempt is to be refused unchecked.
    bool admit(std::string_view address, std::string_view user,
               Clock::time_point now = Clock::now()) const;

    // After the password was checked: how long from `now` to hold the answer back, the
    // same for a right and a wrong password; nullopt when it would be more than maxWait,
    // and the attempt is to be refused without telling its verdict.
    std::optional<std::chrono::milliseconds> settle(std::string_view address, std::string_view user,
                                                    bool succeeded,
                                                    Clock::time_point now = Clock::now());

    // The failures that still count for an address or a user name at `now`.
    unsigned addressFailures(std::string_view address, Clock::time_point now = Clock::now()) const;
    unsigned userFailures(std::string_view user, Clock::time_point now = Clock::now()) const;

    // The delay a failure with `failures` counted failures (this one included) gets.
    std::chrono::milliseconds delayFor(unsigned failures) const;

    // How many addresses, user names and pairs are remembered now.
    std::size_t trackedCount() const;

    // The key an address is counted under (see above).
    static std::string addressKey(std::string_view address);

  private:
    struct Record {
        unsigned failures = 0;
        Clock::time_point lastFailure{};   // when the last one was counted (for decay)
        Clock::time_point lastFailedAt{};  // when the last failure was answered
    };
    // One kind of key: records, and their order of last activity for eviction.
    class Table {
      public:
        explicit Table(std::size_t limit) : limit_(limit) {}
        const Record* find(const std::string& key) const;
        Record& touch(const std::string& key);  // found or made, now the most recent
        void erase(const std::string& key);
        // Drops the least recently active records while they are of no more use.
        template <class Useless>
        void sweep(Useless useless);
        std::size_t size() const { return records_.size(); }

      private:
        struct Entry {
            Record record;
            std::list<std::string>::iterator order;
        };
        std::size_t limit_;
        std::unordered_map<std::string, Entry> records_;
        std::list<std::string> byAge_;  // most recently active first
    };

    unsigned decayed(const Record& r, Clock::time_point now) const;
    Clock::time_point earliestAnswer(const Record* r, Clock::time_point now) const;
    void countFailure(Record& r, Clock::time_point now, Clock::time_point answerAt) const;
    void forgive(Record& r, unsigned n, Clock::time_point now) const;
    void sweep(Clock::time_point now);

    const LoginThrottleOptions options_;
    mutable std::mutex mu_;
    Table addresses_, users_, pairs_;
};

}  // namespace maildex::core::auth
