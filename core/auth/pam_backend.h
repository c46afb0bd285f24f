#pragma once
// The `pam` back end: the system's PAM stack for service `imap` (Courier's
// /etc/pam.d/imap), for sites whose mail users are system accounts. The password goes to
// pam_authenticate through the conversation; pam_acct_mgmt then decides whether the
// account may log in now (expired, locked, outside its hours...). The account is the PAM
// user's passwd entry: its name, home, uid and gid, with the Maildir at home/MAILDIRPATH.
//
// PAM calls block for as long as their modules take (a network directory, pam_faildelay),
// and cannot be interrupted. Each login's PAM transaction runs on a thread of its own;
// the worker waits for it until the time limit and then answers Unavailable, leaving the
// transaction to finish on its own. At most `maxStuck` such transactions may be left
// running; beyond that logins are Unavailable at once, so a hung PAM module costs a
// bounded number of threads. PAM's own delay after a failure is switched off
// (PAM_FAIL_DELAY): login pacing is core/auth/login_throttle.h's.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/auth/backend.h"

namespace maildex::core::auth {

struct PamOptions {
    std::string service = "imap";  // MAILDEX_PAM_SERVICE
    // MAILDEX_PAM_CONFDIR: where the service file is, instead of /etc/pam.d (for a test
    // stack, or a mail-only PAM configuration). Empty: the system's.
    std::filesystem::path confdir;
    std::chrono::milliseconds timeout{10'000};  // MAILDEX_AUTH_TIMEOUT
    int maxStuck = 8;
    AccountDefaults accounts;  // MAILDIRPATH below the account's home
};

class PamBackend : public AuthBackend {
  public:
    explicit PamBackend(PamOptions options);
    AuthResult authenticate(std::string_view user, std::string_view password,
                            std::string_view clientAddress) override;
    std::string_view name() const override { return "pam"; }

  private:
    const PamOptions options_;
    std::shared_ptr<std::atomic<int>> running_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace maildex::core::auth
