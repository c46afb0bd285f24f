#include "core/auth/authentication.h"

#include "core/auth/passwd_file.h"

namespace maildex::core::auth {

Authentication::Authentication(std::vector<std::unique_ptr<AuthBackend>> backends,
                               LoginThrottleOptions throttle, Observer observer)
    : backends_(std::move(backends)), throttle_(throttle), observer_(std::move(observer)) {}

std::optional<Identity> Authentication::verify(std::string_view user, std::string_view password,
                                               std::string_view clientAddress) {
    // As authlib asks its modules: a back end that refuses may just not know the user, so
    // the next one is asked; the first to accept decides.
    for (auto& backend : backends_) {
        auto result = backend->authenticate(user, password, clientAddress);
        if (result.verdict == AuthResult::Verdict::Accepted) return std::move(result.identity);
    }
    return std::nullopt;
}

std::string Authentication::userKey(std::string_view user) {
    for (auto& backend : backends_)
        if (auto key = backend->accountKey(user)) return *key;
    return passwd::lower(user);
}

bool Authentication::admit(std::string_view user, std::string_view clientAddress) {
    if (throttle_.admit(clientAddress, userKey(user))) return true;
    observe(Outcome::Throttled);
    return false;
}

std::optional<std::chrono::milliseconds> Authentication::settle(std::string_view user,
                                                                std::string_view clientAddress,
                                                                bool succeeded) {
    auto delay = throttle_.settle(clientAddress, userKey(user), succeeded);
    observe(!delay ? Outcome::Throttled : succeeded ? Outcome::Succeeded : Outcome::Failed);
    return delay;
}

bool Authentication::reload() {
    bool all = true;
    for (auto& backend : backends_)
        all = backend->reload() && all;
    return all;
}

void Authentication::observe(Outcome outcome) const {
    if (observer_) observer_(outcome);
}

}  // namespace maildex::core::auth
