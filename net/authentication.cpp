#include "net/authentication.h"

#include <cctype>

#include "core/auth/passwd_file.h"
#include "net/metrics.h"

namespace maildex::net {

std::optional<core::Identity> Authentication::verify(std::string_view user,
                                                     std::string_view password,
                                                     std::string_view clientAddress) {
    return users_.verify(user, password, clientAddress);
}

std::string Authentication::userKey(std::string_view user) {
    if (auto info = users_.lookup(user)) return core::auth::passwd::nameKey(info->name);
    return core::auth::passwd::lower(user);
}

bool Authentication::admit(std::string_view user, std::string_view clientAddress) {
    if (throttle_.admit(clientAddress, userKey(user))) return true;
    ++Metrics::instance().loginsThrottled;
    return false;
}

std::optional<std::chrono::milliseconds> Authentication::settle(std::string_view user,
                                                                std::string_view clientAddress,
                                                                bool succeeded) {
    auto delay = throttle_.settle(clientAddress, userKey(user), succeeded);
    if (!delay)
        ++Metrics::instance().loginsThrottled;
    else
        ++(succeeded ? Metrics::instance().loginsOk : Metrics::instance().loginsFailed);
    return delay;
}

}  // namespace maildex::net
