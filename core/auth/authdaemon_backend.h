#pragma once
// The `authdaemon` back end: asks Courier authlib's authdaemond over its Unix socket
// (core/auth/authdaemon_protocol.h), so a Courier site's authuserdb, authpam, authldap,
// authmysql... keep working as they are.
//
// authdaemond answers one request per connection and then closes it, so there is nothing
// to keep open between logins: the "pool" is a bound on how many connections are open at
// once (authdaemond itself runs `daemons` processes, 5 in Debian's authdaemonrc; more
// connections than that only wait in its listen queue). A login that finds every
// connection busy waits for one, within the same time limit as the request itself.
//
// When authdaemond cannot be reached or does not answer in time, the login is
// Unavailable (the client hears NO [UNAVAILABLE]), one warning says so and names the
// socket, and one line says when it answers again. The server keeps serving.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>

#include "core/auth/backend.h"

namespace maildex::core::auth {

struct AuthdaemonOptions {
    // MAILDEX_AUTHDAEMON_SOCKET: Debian's courier-authdaemon listens here
    // (authdaemonvar=/run/courier/authdaemon in /etc/courier/authdaemonrc).
    std::filesystem::path socket = "/run/courier/authdaemon/socket";
    int maxConnections = 5;                     // MAILDEX_AUTHDAEMON_CONNECTIONS
    std::chrono::milliseconds timeout{10'000};  // MAILDEX_AUTH_TIMEOUT: per login
    std::string service = "imap";               // the service authlib's modules see
    AccountDefaults accounts;                   // MAILDIRPATH when no MAILDIR is named
};

class AuthdaemonBackend : public AuthBackend {
  public:
    explicit AuthdaemonBackend(AuthdaemonOptions options);

    AuthResult authenticate(std::string_view user, std::string_view password,
                            std::string_view clientAddress) override;
    std::string_view name() const override { return "authdaemon"; }

  private:
    // The whole answer, or the reason there is none (in `error`).
    bool exchange(const std::string& request, std::chrono::steady_clock::time_point deadline,
                  std::string& reply, std::string& error);
    void noteHealth(bool answering, const std::string& error);

    const AuthdaemonOptions options_;
    std::mutex mu_;
    std::condition_variable slotFree_;
    int inUse_ = 0;                  // guarded by mu_
    std::atomic<bool> down_{false};  // the last attempt got no answer (for the log)
};

}  // namespace maildex::core::auth
