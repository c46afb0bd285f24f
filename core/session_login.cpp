// The logging in of a Session (core/session.h): LOGIN's and AUTHENTICATE's checks through the
// Authenticator with login pacing, and the SASL steps of AUTHENTICATE PLAIN and LOGIN that
// span client lines. Passwords are wiped from memory as soon as they are checked.

#include <unistd.h>

#include <algorithm>

#include "base/log.h"
#include "core/command.h"
#include "core/commands/handlers.h"
#include "core/maildir_owner.h"
#include "core/session.h"
#include "index/error.h"

namespace maildex::core {

void Session::attemptLogin(const std::string& user, const std::string& password,
                           const std::string& authzid) {
    // Pacing (core/auth/login_throttle.h): the answer, right or wrong, waits its turn; one that
    // would wait too long is refused without the password being checked or its verdict
    // told. UNAVAILABLE (RFC 5530) says "try again later", not "wrong password".
    const auto& address = transport_.clientAddress;
    auto refuse = [&] {
        // A refusal tells nothing, so holding it back a second costs nobody anything and
        // keeps a client from asking again in a tight loop.
        responseDelay_ = std::chrono::seconds(1);
        log::info(logPrefix() + ": login refused for " + user + ": too many failed logins");
        throw CommandError("Too many failed logins; try again later", "UNAVAILABLE");
    };
    if (!authenticator_->admit(user, address)) refuse();
    auto checked = authenticator_->check(user, password, address);
    auto& identity = checked.identity;
    auto delay = authenticator_->settle(user, address, identity.has_value());
    if (!delay) refuse();
    responseDelay_ = *delay;
    if (!identity && checked.unavailable) {
        // A back end could not tell (authdaemond down, a timeout): the password may be
        // right, so the client is told to come back, not that it is wrong.
        log::info(logPrefix() + ": login failed for " + user +
                  ": authentication temporarily unavailable");
        throw CommandError("Authentication is temporarily unavailable; try again later",
                           "UNAVAILABLE");
    }
    if (!identity) {
        log::info(logPrefix() + ": login failed for " + user);
        throw CommandError("Authentication failed", "AUTHENTICATIONFAILED");
    }
    // RFC 4616 2 and RFC 5530 3: the credentials are right, but acting as another user
    // is not offered; a valid request, refused.
    if (!authzid.empty() && authzid != user && authzid != identity->user) {
        log::info(logPrefix() + ": " + user + " may not act as another user");
        throw CommandError("Not authorized to act as that user", "AUTHORIZATIONFAILED");
    }
    try {
        logIn(*identity);
    } catch (const MaildirOwnerRefused& e) {
        log::error(logPrefix() + ": login of " + identity->user + " refused: " + e.what());
        throw CommandError("Your mailbox cannot be served; ask the administrator", "UNAVAILABLE");
    } catch (const index::Error& e) {
        // Missing, not a Maildir, or not the owner's to open (EACCES under its identity):
        // the administrator needs the path and the uid tried, the client "not now".
        log::error(logPrefix() + ": cannot open the Maildir " + identity->maildir.string() +
                   " of " + identity->user + " as " +
                   (fsIdentity_ ? fsIdentity_->describe()
                                : "the server (uid " + std::to_string(::geteuid()) + ")") +
                   ": " + e.what());
        store_.reset();
        fsIdentity_.reset();
        throw CommandError("Your mailbox cannot be opened now; try again later", "UNAVAILABLE");
    }
    // How the password travelled, for whoever audits logins: the TLS version and cipher.
    std::string how = " without TLS";
    if (transport_.tlsVersion)
        how = std::string(" over ") + transport_.tlsVersion + " " +
              (transport_.tlsCipher ? transport_.tlsCipher : "");
    if (!transport_.proxyPeer.empty()) how += " (through proxy " + transport_.proxyPeer + ")";
    log::info(logPrefix() + ": logged in" + how);
    deliverBulletins();
}

void Session::unauthenticate() {
    {
        // What the user's session holds goes as the user, as at the end of a session.
        base::FsIdentityScope as(fsIdentity_);
        deselect();
        appendTarget_.reset();
        store_.reset();
    }
    log::info(logPrefix() + ": logged out (UNAUTHENTICATE)");
    fsIdentity_.reset();
    user_.clear();
    accessor_ = {};
    sharedIndexFile_.clear();
    condstore_ = qresync_ = utf8_ = false;
    writer_.setUtf8(false);
    state_ = NotAuthenticated{};
}

void Session::awaitSaslResponse(const std::string& tag) {
    awaiting_ = Awaiting::SaslResponse;
    awaitingTag_ = tag;
}

void Session::awaitLoginName(const std::string& tag) {
    awaiting_ = Awaiting::LoginName;
    awaitingTag_ = tag;
}

void Session::awaitLoginPassword(const std::string& tag, const std::string& user) {
    writer_.continuation().atom("UGFzc3dvcmQ6").end();  // "Password:"
    loginName_ = std::make_unique<std::string>(user);
    awaiting_ = Awaiting::LoginPassword;
    awaitingTag_ = tag;
}

Session::Next Session::continueLogin(Awaiting step, const std::string& tag,
                                     const std::string& text) {
    static const CommandSpec* authSpec = findCommand("AUTHENTICATE");
    Running running{tag, "AUTHENTICATE", authSpec, false, {{}, "Logged in"}, Next::Command, {}};
    auto user = std::move(loginName_);
    bool waiting = false;
    if (auto failed = runGuarded(running, [&] {
            auto decoded = commands::decodeSaslResponse(text);
            if (!decoded) throw CommandError("Invalid LOGIN response: not base64", "", true);
            if (step == Awaiting::LoginName) {
                if (decoded->empty()) throw CommandError("Invalid LOGIN response", "", true);
                awaitLoginPassword(tag, *decoded);
                waiting = true;
                return;
            }
            struct Wipe {
                std::string& s;
                ~Wipe() { std::fill(s.begin(), s.end(), '\0'); }
            } wipe{*decoded};
            attemptLogin(user ? *user : std::string(), *decoded);
        }))
        return *failed;
    if (waiting) return Next::Line;
    running.ok.code = [caps = capabilities()](ResponseWriter& w) {
        w.code("CAPABILITY").atoms(caps);
    };
    return complete(running);
}

void Session::finishPlain(const std::string& response) {
    std::string authzid, user, password;
    if (!commands::parsePlainResponse(response, authzid, user, password))
        throw CommandError("Invalid PLAIN response", "", true);
    // The password leaves memory whether or not the login succeeds.
    struct Wipe {
        std::string& s;
        ~Wipe() { std::fill(s.begin(), s.end(), '\0'); }
    } wipe{password};
    attemptLogin(user, password, authzid);
}

std::chrono::milliseconds Session::takeResponseDelay() {
    auto d = responseDelay_;
    responseDelay_ = {};
    return d;
}

}  // namespace maildex::core
