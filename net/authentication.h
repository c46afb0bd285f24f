#pragma once
// The login check the IMAP engine calls: the user database for the password, the
// throttle for when the answer may go out (per address and per account, see
// core/auth/login_throttle.h).

#include "core/auth/login_throttle.h"
#include "core/auth/user_database.h"
#include "core/authenticator.h"

namespace maildex::net {

class Authentication : public core::Authenticator {
  public:
    Authentication(core::auth::UserDatabase& users, core::auth::LoginThrottle& throttle)
        : users_(users), throttle_(throttle) {}

    std::optional<core::Identity> verify(std::string_view user, std::string_view password,
                                         std::string_view clientAddress) override;
    bool admit(std::string_view user, std::string_view clientAddress) override;
    std::optional<std::chrono::milliseconds> settle(std::string_view user,
                                                    std::string_view clientAddress,
                                                    bool succeeded) override;

  private:
    // The key a login name is paced under: the account it names, so every spelling of
    // one account (case of the domain, with or without DEFDOMAIN) is one key; a name
    // that is no account, in lower case.
    std::string userKey(std::string_view user);

    core::auth::UserDatabase& users_;
    core::auth::LoginThrottle& throttle_;
};

}  // namespace maildex::net
