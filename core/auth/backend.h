#pragma once
// An authentication back end: one source of accounts, asked with a user name and a
// password (design.md, "Security model"). Authentication (core/auth/authentication.h) asks
// the configured back ends in order, as Courier's authlib asks its modules; the engine and
// everything after it see only the Identity a back end answers with, never which back end
// it was.
//
// The passwd-file (core/auth/user_database.h) is one. A back end that asks another process
// (Courier's authdaemond over its socket, PAM, a checkpassword program) implements the same
// interface: it is called on a worker thread, never on an event loop, so it may block, but
// it bounds the time it takes and answers Unavailable when the other side does not answer.

#include <charconv>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/authenticator.h"

namespace maildex::core::auth {

// What every back end applies the same way, so a login means the same whichever back end
// knows it (authlib applies them for all its modules too).
struct AccountDefaults {
    // DEFDOMAIN, in Courier's form "@example.com" (a value without the leading '@' means
    // the same): the domain of logins without '@'. Empty: no default domain.
    std::string defaultDomain;
    // MAILDIRPATH: the Maildir's path below home when the back end names no Maildir.
    std::string maildirPath = "Maildir";

    // The Maildir of an account whose back end named `maildir` (absolute, or relative to
    // home, or "" for MAILDIRPATH) and `home`; nullopt when neither gives an absolute path.
    std::optional<std::filesystem::path> maildirFor(const std::filesystem::path& home,
                                                    const std::string& maildir) const {
        if (!maildir.empty() && maildir.front() == '/') return std::filesystem::path(maildir);
        if (home.empty() || !home.is_absolute()) return std::nullopt;
        return home / (maildir.empty() ? maildirPath : maildir);
    }
};

// A uid or gid a back end names, as text ("1000"): nullopt when it is not a number of that
// type. Every back end that reads one from another program checks it the same way.
template <class Id>
std::optional<Id> parseAccountId(std::string_view text) {
    unsigned long long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        n != static_cast<Id>(n))
        return std::nullopt;
    return static_cast<Id>(n);
}

// A back end's answer to a user name and password.
struct AuthResult {
    enum class Verdict {
        Accepted,  // the password is right: `identity` is the account
        Refused,   // no such user, not this password, or no logins for this account: the
                   // next back end is asked
        // The back end could not tell (its daemon is down, a timeout): the next back end
        // is asked, and if none accepts the client hears NO [UNAVAILABLE].
        Unavailable,
    };
    Verdict verdict = Verdict::Refused;
    Identity identity{};
    // Why it was refused or unavailable, for the operator at MAILDEX_LOG_LEVEL=debug
    // (Courier's DEBUG_LOGIN): "unknown user", "wrong password", "IMAP disabled for this
    // account", "no answer within 10 s". Never the password.
    std::string reason{};

    static AuthResult refused(std::string why) { return {Verdict::Refused, {}, std::move(why)}; }
    static AuthResult unavailable(std::string why) {
        return {Verdict::Unavailable, {}, std::move(why)};
    }
};

class AuthBackend {
  public:
    virtual ~AuthBackend() = default;

    // The name MAILDEX_AUTH knows it by ("passwd-file", "authdaemon", ...), for log lines.
    virtual std::string_view name() const = 0;

    // Checks the password; compares in constant time and keeps no copy of it. The caller
    // paces the answers (core/auth/login_throttle.h); clientAddress is for back ends that
    // pass it on (authdaemond, PAM's PAM_RHOST).
    virtual AuthResult authenticate(std::string_view user, std::string_view password,
                                    std::string_view clientAddress) = 0;

    // The account `login` names, as the key logins are paced under (every spelling of one
    // account is one key), when the back end can tell without a password; nullopt when it
    // does not know the login or cannot tell (PAM).
    virtual std::optional<std::string> accountKey(std::string_view /*login*/) {
        return std::nullopt;
    }

    // For SCRAM and CRAM-MD5 (core/authenticator.h): the account and its keys, when this
    // back end holds them for `login`. Back ends that only check passwords have none.
    virtual std::optional<ChallengeAccount> challengeAccount(std::string_view /*login*/) {
        return std::nullopt;
    }
    virtual bool servesScram() { return false; }
    virtual bool servesCramMd5() { return false; }

    // SIGHUP: reread what the back end reads from files. False when that failed and the
    // previous data stays in use (the back end has logged why).
    virtual bool reload() { return true; }
};

}  // namespace maildex::core::auth
