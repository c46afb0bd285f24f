// core/auth/authentication: the back ends are asked in order and the first to accept
// decides, logins are paced under the account a back end names, every outcome is
// reported, and SIGHUP's reload reaches every back end.

#include "core/auth/authentication.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace maildex::core::auth {
namespace {

using namespace std::chrono_literals;

// A back end that knows some users, names their accounts in lower case, and records what
// it was asked.
class FakeBackend : public AuthBackend {
  public:
    FakeBackend(std::map<std::string, std::string> passwords, std::vector<std::string>& asked,
                std::string name)
        : passwords_(std::move(passwords)), asked_(asked), name_(std::move(name)) {}

    AuthResult authenticate(std::string_view user, std::string_view password,
                            std::string_view) override {
        asked_.push_back(name_ + ":" + std::string(user));
        if (unavailable) return AuthResult::unavailable("down");
        auto it = passwords_.find(lower(user));
        if (it == passwords_.end() || it->second != password) return AuthResult::refused("no");
        return {AuthResult::Verdict::Accepted, {it->first, "/srv/mail/" + name_ + "/" + it->first}};
    }
    std::optional<std::string> accountKey(std::string_view login) override {
        if (!passwords_.count(lower(login))) return std::nullopt;
        return lower(login);
    }
    std::string_view name() const override { return name_; }
    bool reload() override {
        ++reloads;
        return reloadSucceeds;
    }

    bool unavailable = false;
    bool reloadSucceeds = true;
    int reloads = 0;

  private:
    static std::string lower(std::string_view s) {
        std::string out(s);
        for (auto& c : out)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    }
    std::map<std::string, std::string> passwords_;
    std::vector<std::string>& asked_;
    std::string name_;
};

struct Chain {
    std::vector<std::string> asked;
    std::vector<Authentication::Outcome> outcomes;
    FakeBackend* first = nullptr;
    FakeBackend* second = nullptr;
    std::unique_ptr<Authentication> auth;

    Chain() {
        auto a = std::make_unique<FakeBackend>(
            std::map<std::string, std::string>{{"alice", "a1"}, {"bob", "b1"}}, asked, "first");
        auto b = std::make_unique<FakeBackend>(
            std::map<std::string, std::string>{{"bob", "b2"}, {"carol", "c2"}}, asked, "second");
        first = a.get();
        second = b.get();
        std::vector<std::unique_ptr<AuthBackend>> backends;
        backends.push_back(std::move(a));
        backends.push_back(std::move(b));
        auth = std::make_unique<Authentication>(
            std::move(backends), LoginThrottleOptions{},
            [this](Authentication::Outcome o) { outcomes.push_back(o); });
    }
};

TEST(Authentication, TheFirstBackEndToAcceptDecides) {
    Chain c;
    auto alice = c.auth->verify("alice", "a1", "192.0.2.1");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->maildir, "/srv/mail/first/alice");
    EXPECT_EQ(c.asked, (std::vector<std::string>{"first:alice"}));

    // Refused by the first (not its password), accepted by the second.
    c.asked.clear();
    auto bob = c.auth->verify("bob", "b2", "192.0.2.1");
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->maildir, "/srv/mail/second/bob");
    EXPECT_EQ(c.asked, (std::vector<std::string>{"first:bob", "second:bob"}));

    c.asked.clear();
    EXPECT_FALSE(c.auth->verify("dave", "d", "192.0.2.1"));
    EXPECT_EQ(c.asked, (std::vector<std::string>{"first:dave", "second:dave"}));
}

TEST(Authentication, AnUnavailableBackEndLeavesTheOthersToAnswer) {
    Chain c;
    c.first->unavailable = true;
    EXPECT_TRUE(c.auth->verify("carol", "c2", "192.0.2.1"));
    EXPECT_FALSE(c.auth->verify("alice", "a1", "192.0.2.1"));
}

TEST(Authentication, LoginsArePacedUnderTheAccountABackEndNames) {
    Chain c;
    // One failure for Alice, from one address; a second address trying "ALICE" waits for
    // the account's next turn (a second after a failure), one trying carol does not.
    ASSERT_TRUE(c.auth->admit("Alice", "192.0.2.1"));
    EXPECT_EQ(c.auth->settle("Alice", "192.0.2.1", false), 0ms);
    ASSERT_TRUE(c.auth->admit("ALICE", "198.51.100.2"));
    auto delay = c.auth->settle("ALICE", "198.51.100.2", false);
    ASSERT_TRUE(delay);
    EXPECT_GT(*delay, 900ms);
    EXPECT_EQ(c.auth->settle("carol", "203.0.113.3", true), 0ms);
    // A name no back end knows is paced under itself in lower case.
    EXPECT_EQ(c.auth->settle("Mallory", "203.0.113.4", false), 0ms);
    delay = c.auth->settle("mallory", "203.0.113.5", false);
    ASSERT_TRUE(delay);
    EXPECT_GT(*delay, 900ms);
}

TEST(Authentication, EveryOutcomeIsReported) {
    using O = Authentication::Outcome;
    Chain c;
    ASSERT_TRUE(c.auth->settle("alice", "192.0.2.1", true));
    ASSERT_TRUE(c.auth->settle("bob", "192.0.2.1", false));
    EXPECT_EQ(c.outcomes, (std::vector<O>{O::Succeeded, O::Failed}));
    // Enough failures for one account that the next answer would wait past the limit.
    for (const char* address : {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                "10.0.0.6", "10.0.0.7", "10.0.0.8"})
        c.auth->settle("carol", address, false);
    c.outcomes.clear();
    EXPECT_FALSE(c.auth->admit("carol", "10.0.0.9"));
    EXPECT_EQ(c.outcomes, (std::vector<O>{O::Throttled}));
}

TEST(Authentication, ReloadReachesEveryBackEnd) {
    Chain c;
    EXPECT_TRUE(c.auth->reload());
    c.first->reloadSucceeds = false;
    EXPECT_FALSE(c.auth->reload());
    EXPECT_EQ(c.first->reloads, 2);
    EXPECT_EQ(c.second->reloads, 2);  // asked even though the first one failed
}

}  // namespace
}  // namespace maildex::core::auth
