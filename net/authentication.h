#pragma once
// The login check the IMAP engine calls: the user database for the password, the
// per-address throttle for how long a failure is held back.

#include "core/authenticator.h"
#include "net/login_throttle.h"
#include "net/user_database.h"

namespace maildex::net {

class Authentication : public core::Authenticator {
  public:
    Authentication(UserDatabase& users, LoginThrottle& throttle)
        : users_(users), throttle_(throttle) {}

    std::optional<core::Identity> verify(std::string_view user, std::string_view password,
                                         std::string_view clientAddress) override;
    std::chrono::milliseconds recordFailure(std::string_view clientAddress) override;
    void recordSuccess(std::string_view clientAddress) override;

  private:
    UserDatabase& users_;
    LoginThrottle& throttle_;
};

}  // namespace maildex::net
