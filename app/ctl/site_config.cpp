#include "app/ctl/site_config.h"

#include <unistd.h>

#include "app/ctl/common.h"
#include "core/server_config.h"

namespace maildex::ctl {

namespace {
SiteConfig& current() {
    static SiteConfig config;
    return config;
}
}  // namespace

const SiteConfig& site() {
    return current();
}

void loadSiteConfig(std::vector<std::string>& args) {
    std::vector<std::string> files;
    for (auto it = args.begin(); it != args.end();) {
        if (*it == "--") break;
        if (*it == "--config") {
            if (it + 1 == args.end()) throw UsageError("option --config needs a value");
            files.push_back(*(it + 1));
            it = args.erase(it, it + 2);
        } else if (it->rfind("--config=", 0) == 0) {
            files.push_back(it->substr(9));
            it = args.erase(it);
        } else {
            ++it;
        }
    }
    // The server's own file, when this machine has one: the tool then finds the same
    // indexes and users without being told.
    if (files.empty() && ::access(kDefaultConfigFile, F_OK) == 0)
        files.push_back(kDefaultConfigFile);
    core::ConfigSource source;
    try {
        for (const auto& f : files)
            source.readFile(f);
        for (const char* key : {"MAILDEX_USERDB", "MAILDEX_INDEX_DIR", "MAILDEX_ADMIN_ADDRESS"})
            source.setFromEnvironment(key);
        std::vector<std::string> unknown;  // the server warns about those; not our business
        auto config = core::buildConfig(source, unknown);
        SiteConfig& s = current();
        s.files = files;
        s.userDb = config.auth.userDb;
        s.indexDir = config.imap.indexDir;
        s.adminAddress = config.adminAddress;
        s.accounts = config.auth.accounts;
    } catch (const core::ConfigError& e) {
        throw UsageError(std::string("configuration: ") + e.what());
    }
}

}  // namespace maildex::ctl
