#pragma once
// The login check the IMAP engine calls (core::Authenticator): the back ends, in the order
// configured, for the password; the throttle for when the answer may go out (per address
// and per account, see core/auth/login_throttle.h). The server makes one and hands it to
// every session and to the admin endpoint's /auth.

#include <functional>
#include <memory>
#include <vector>

#include "core/auth/backend.h"
#include "core/auth/login_name.h"
#include "core/auth/login_throttle.h"
#include "core/authenticator.h"

namespace maildex::core::auth {

class Authentication : public Authenticator {
  public:
    // How a login ended, for whoever counts them (the server's metrics).
    enum class Outcome {
        Succeeded,
        Failed,
        Throttled,  // refused unchecked, or its verdict withheld (login pacing)
    };
    using Observer = std::function<void(Outcome)>;

    // `backends` are asked in this order; the first to accept decides. Every back end,
    // and the pacing, sees the login name as `names` spell it.
    explicit Authentication(std::vector<std::unique_ptr<AuthBackend>> backends,
                            LoginThrottleOptions throttle = {}, Observer observer = {},
                            LoginNameRules names = {});

    // Refused when no back end accepts; unavailable when, besides, one could not tell.
    // At debug level, one line says what each back end answered and why.
    LoginCheck check(std::string_view user, std::string_view password,
                     std::string_view clientAddress) override;
    bool admit(std::string_view user, std::string_view clientAddress) override;
    // The first back end that holds keys for the login (as check() normalizes it).
    std::optional<ChallengeAccount> challengeAccount(std::string_view user) override;
    bool offersScram() override;
    bool offersCramMd5() override;
    std::optional<std::chrono::milliseconds> settle(std::string_view user,
                                                    std::string_view clientAddress,
                                                    bool succeeded) override;

    // SIGHUP: every back end rereads its files. False when one could not (it keeps its
    // previous data and has logged why); the others have reread theirs all the same.
    bool reload();

  private:
    // The key a login name is paced under: the account it names, so every spelling of one
    // account (case of the domain, with or without DEFDOMAIN) is one key; a name that no
    // back end knows as an account, in lower case.
    std::string userKey(std::string_view user);
    void observe(Outcome outcome) const;

    std::vector<std::unique_ptr<AuthBackend>> backends_;
    LoginThrottle throttle_;
    Observer observer_;
    LoginNameRules names_;
};

}  // namespace maildex::core::auth
