#pragma once
// MAILDEX_AUTH: which back ends a login is checked against, in order, and the settings of
// each; and the back ends built from them (the server does this once at start).

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/authdaemon_backend.h"
#include "core/auth/backend.h"
#include "core/auth/checkpassword_backend.h"
#include "core/auth/login_name.h"
#include "core/auth/pam_backend.h"

namespace maildex::core::auth {

struct BackendSettings {
    // MAILDEX_AUTH: back-end names in order. Empty: "passwd-file" when MAILDEX_USERDB is
    // set, else none (the server then refuses to start).
    std::vector<std::string> order;
    std::filesystem::path userDb;  // MAILDEX_USERDB: the passwd-file back end's file
    AccountDefaults accounts;      // MAILDIRPATH, DEFDOMAIN
    AuthdaemonOptions authdaemon;
    PamOptions pam;
    CheckpasswordOptions checkpassword;
    LoginNameRules names;  // MAILDEX_LOWERCASE_USER, MAILDEX_STRIP_DOMAIN, DEFDOMAIN
};

// The names MAILDEX_AUTH knows, in the order the documentation lists them.
const std::vector<std::string_view>& backendNames();

// MAILDEX_AUTH's value, names separated by commas and/or blanks. Throws ConfigError naming
// the key for an unknown name, a name given twice, or an empty list.
std::vector<std::string> parseBackendList(std::string_view value);

// The back ends in the order configured (the default applied). Throws ConfigError naming
// the key when one cannot be built (the user database cannot be read, no program for
// checkpassword, no back end at all).
std::vector<std::unique_ptr<AuthBackend>> makeBackends(const BackendSettings& settings);

// The order in effect: settings.order, or the default.
std::vector<std::string> effectiveOrder(const BackendSettings& settings);

}  // namespace maildex::core::auth
