#pragma once
// The interface through which LOGIN and AUTHENTICATE check credentials. The network layer
// plugs in the user database; stdin/stdout mode is pre-authenticated and has none.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace maildex::core {

struct Identity {
    std::string user;  // canonical login name
    std::filesystem::path maildir;
};

class Authenticator {
  public:
    virtual ~Authenticator() = default;
    // nullopt for wrong credentials. Implementations compare in constant time, and the
    // caller owns delays between failures.
    virtual std::optional<Identity> verify(std::string_view user, std::string_view password,
                                           std::string_view clientAddress) = 0;

    // Login pacing (core/auth/login_throttle.h has the policy). A login asks admit() before
    // verify(): false refuses it unchecked. Then settle() with the verdict says how long
    // to hold back the answer, right or wrong (nullopt: refuse it without telling the
    // verdict). The defaults pace nothing.
    virtual bool admit(std::string_view /*user*/, std::string_view /*clientAddress*/) {
        return true;
    }
    virtual std::optional<std::chrono::milliseconds> settle(std::string_view /*user*/,
                                                            std::string_view /*clientAddress*/,
                                                            bool /*succeeded*/) {
        return std::chrono::milliseconds{0};
    }
};

}  // namespace maildex::core
