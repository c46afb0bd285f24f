#pragma once
// The `checkpassword` back end: the qmail/DJB interface (cr.yp.to/checkpwd/interface.html;
// DMail's "external authentication process" is the same idea). The configured program is
// run as
//
//     PROGRAM [ARGS...] NEXT...
//
// with "user\0password\0timestamp\0" to read on descriptor 3. It exits 1 for a wrong
// password (or an unknown user), 111 for a temporary failure, 2 when misused; when the
// password is right it sets up the user's environment (HOME, USER, often its uid and gid)
// and execs NEXT. Here NEXT is `maildexd --checkpassword-next`, which writes what it was
// handed on to its standard output: "MAILDEX_UID=n\0MAILDEX_GID=n\0" and then its
// environment, each entry NUL-terminated; its exit code, 0, is the program's.
//
// The run is bounded in time: past the limit the program's whole process group is killed
// and the login is Unavailable. The child is always waited for: no zombie.

#include <chrono>
#include <string>
#include <vector>

#include "core/auth/backend.h"

namespace maildex::core::auth {

struct CheckpasswordOptions {
    std::vector<std::string> command;           // MAILDEX_CHECKPASSWORD, split on blanks
    std::vector<std::string> next;              // what the program execs (see above)
    std::chrono::milliseconds timeout{10'000};  // MAILDEX_AUTH_TIMEOUT
    AccountDefaults accounts;                   // MAILDIRPATH below HOME
};

class CheckpasswordBackend : public AuthBackend {
  public:
    explicit CheckpasswordBackend(CheckpasswordOptions options);
    AuthResult authenticate(std::string_view user, std::string_view password,
                            std::string_view clientAddress) override;
    std::string_view name() const override { return "checkpassword"; }

  private:
    const CheckpasswordOptions options_;
};

// What NEXT reported (NUL-separated KEY=VALUE entries) as the account of `login`: USER
// (else the login) as the name, MAILDIR (absolute, or below HOME) or HOME/MAILDIRPATH as
// the Maildir, MAILDEX_UID and MAILDEX_GID as uid and gid. Refused without a usable HOME
// or MAILDIR.
AuthResult checkpasswordResult(std::string_view report, std::string_view login,
                               const AccountDefaults& defaults);

// NEXT's side: the report of this process (its uid, gid and environment).
std::string checkpasswordReport();

}  // namespace maildex::core::auth
