#include "net/authentication.h"

#include "net/metrics.h"

namespace maildex::net {

std::optional<core::Identity> Authentication::verify(std::string_view user,
                                                     std::string_view password,
                                                     std::string_view clientAddress) {
    return users_.verify(user, password, clientAddress);
}

std::chrono::milliseconds Authentication::recordFailure(std::string_view clientAddress) {
    ++Metrics::instance().loginsFailed;
    return throttle_.recordFailure(clientAddress);
}

void Authentication::recordSuccess(std::string_view clientAddress) {
    ++Metrics::instance().loginsOk;
    throttle_.recordSuccess(clientAddress);
}

}  // namespace maildex::net
