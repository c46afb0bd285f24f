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
    // A failed attempt from this address: how long to hold back the answer (failed logins
    // are slowed down, more so the more there were).
    virtual std::chrono::milliseconds recordFailure(std::string_view /*clientAddress*/) {
        return {};
    }
    virtual void recordSuccess(std::string_view /*clientAddress*/) {}
};

}  // namespace maildex::core
