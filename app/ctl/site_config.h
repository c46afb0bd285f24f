#pragma once
// The server's configuration as every maildexctl command reads it, so the tool works on
// the indexes and users the server uses: --config FILE (repeatable; by default
// /etc/maildex/maildex.conf when it exists), then $MAILDEX_USERDB, $MAILDEX_INDEX_DIR and
// $MAILDEX_ADMIN_ADDRESS from the environment, checked as the server checks it (an
// invalid value is refused, naming the key). A command's own option (--userdb,
// --index-dir, --admin) wins over all of them.

#include <filesystem>
#include <string>
#include <vector>

#include "core/auth/backend.h"

namespace maildex::ctl {

struct SiteConfig {
    std::vector<std::string> files;        // the files read
    std::filesystem::path userDb;          // MAILDEX_USERDB
    std::filesystem::path indexDir;        // MAILDEX_INDEX_DIR
    std::string adminAddress;              // MAILDEX_ADMIN_ADDRESS
    core::auth::AccountDefaults accounts;  // MAILDIRPATH, DEFDOMAIN
};

inline constexpr const char* kDefaultConfigFile = "/etc/maildex/maildex.conf";

// Takes every "--config FILE" (and --config=FILE) from `args` (up to a "--") and reads
// the configuration. Throws UsageError (exit 2) when a file cannot be read or a value is
// invalid.
void loadSiteConfig(std::vector<std::string>& args);
// What loadSiteConfig read (the defaults before it is called).
const SiteConfig& site();

}  // namespace maildex::ctl
