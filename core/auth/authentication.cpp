#include "core/auth/authentication.h"

#include "base/log.h"
#include "core/auth/passwd_file.h"

namespace maildex::core::auth {

Authentication::Authentication(std::vector<std::unique_ptr<AuthBackend>> backends,
                               LoginThrottleOptions throttle, Observer observer,
                               LoginNameRules names)
    : backends_(std::move(backends)),
      throttle_(throttle),
      observer_(std::move(observer)),
      names_(std::move(names)) {}

LoginCheck Authentication::check(std::string_view login, std::string_view password,
                                 std::string_view clientAddress) {
    const std::string user = normalizeLogin(login, names_);
    // As authlib asks its modules: a back end that refuses may just not know the user, so
    // the next one is asked; the first to accept decides. One that could not tell does not
    // stop the others either: the user may be another back end's.
    LoginCheck out;
    std::string answers;  // for the debug line: what each back end said
    for (auto& backend : backends_) {
        auto result = backend->authenticate(user, password, clientAddress);
        if (!answers.empty()) answers += "; ";
        answers += backend->name();
        if (result.verdict == AuthResult::Verdict::Accepted) {
            out.identity = std::move(result.identity);
            log::debug("login " + passwd::printable(user) + ": accepted by " +
                       std::string(backend->name()));
            return out;
        }
        if (result.verdict == AuthResult::Verdict::Unavailable) out.unavailable = true;
        answers +=
            result.verdict == AuthResult::Verdict::Unavailable ? " unavailable: " : " refused: ";
        answers += passwd::printable(result.reason);
    }
    if (backends_.empty()) answers = "no back end configured";
    log::debug("login " + passwd::printable(user) + ": " + answers);
    return out;
}

std::optional<ChallengeAccount> Authentication::challengeAccount(std::string_view login) {
    const std::string user = normalizeLogin(login, names_);
    for (auto& backend : backends_)
        if (auto account = backend->challengeAccount(user)) {
            log::debug("login " + passwd::printable(user) + ": keys from " +
                       std::string(backend->name()));
            return account;
        }
    log::debug("login " + passwd::printable(user) +
               ": no back end holds SCRAM keys or a plain password for it");
    return std::nullopt;
}

bool Authentication::offersScram() {
    for (auto& backend : backends_)
        if (backend->servesScram()) return true;
    return false;
}

bool Authentication::offersCramMd5() {
    for (auto& backend : backends_)
        if (backend->servesCramMd5()) return true;
    return false;
}

std::string Authentication::userKey(std::string_view login) {
    const std::string user = normalizeLogin(login, names_);
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
