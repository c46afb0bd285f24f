// maildexctl: the administrator's tool. This file only dispatches; each command family
// lives in app/ctl/ and its storage logic in index/.

#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/site_config.h"
#include "base/log.h"
#include "base/version.h"

namespace {

struct Command {
    std::function<int(std::vector<std::string>)> run;
    const char* summary;
};

const std::map<std::string, Command>& commands() {
    using namespace maildex::ctl;
    static const std::map<std::string, Command> table = {
        {"reindex", {runReindex, "bring the index in line with the files (--force: rebuild)"}},
        {"check", {runCheck, "compare index, files and Courier-format files (--repair)"}},
        {"migrate", {runMigrate, "take over a Maildir from Courier-IMAP or Dovecot"}},
        {"export", {runExport, "write Courier's files from the index (the way back)"}},
        {"user", {runUser, "add, change, remove and list users of the user database"}},
        {"expunge", {runExpunge, "remove old messages from a folder (Courier's EMPTYTRASH)"}},
        {"quota", {runQuota, "recalculate maildirsize"}},
        {"who", {runWho, "list the running server's sessions"}},
        {"kick", {runKick, "end the sessions of a user or client address"}},
        {"bulletin", {runBulletin, "deliver a bulletin into INBOXes now, once each"}},
    };
    return table;
}

void usage(std::ostream& out) {
    out << "Usage: maildexctl [--config FILE] COMMAND [ARGS]\n       maildexctl --version\n\n"
           "Commands:\n";
    for (const auto& [name, c] : commands()) {
        std::string n = name;
        n.resize(10, ' ');
        out << "  " << n << c.summary << "\n";
    }
    out << "\nRun 'maildexctl COMMAND --help' for a command's options.\n"
           "\n"
           "The server's configuration tells every command where the user database\n"
           "(MAILDEX_USERDB), the indexes (MAILDEX_INDEX_DIR) and the admin endpoint\n"
           "(MAILDEX_ADMIN_ADDRESS, for 'who' and 'kick') are: --config FILE (repeatable,\n"
           "anywhere on the line), by default /etc/maildex/maildex.conf when it exists; the\n"
           "environment's MAILDEX_USERDB, MAILDEX_INDEX_DIR and MAILDEX_ADMIN_ADDRESS win over\n"
           "the file, and a command's own --userdb, --index-dir or --admin over both.\n\n"
        << maildex::ctl::kExitCodeHelp;
}

}  // namespace

int main(int argc, char** argv) {
    // Warnings of the index layer go to stderr, where the commands' own errors go.
    maildex::log::setMinimumLevel(maildex::log::Level::Warn);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--version" || args[0] == "-V")) {
        std::cout << "maildexctl " << maildex::versionText() << "\n";
        return maildex::ctl::kExitOk;
    }
    try {
        maildex::ctl::loadSiteConfig(args);
    } catch (const maildex::ctl::UsageError& e) {
        std::cerr << "maildexctl: " << e.what() << "\n";
        return maildex::ctl::kExitUsage;
    }
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        usage(args.empty() ? std::cerr : std::cout);
        return args.empty() ? maildex::ctl::kExitUsage : maildex::ctl::kExitOk;
    }
    std::string name = args[0];
    args.erase(args.begin());
    auto it = commands().find(name);
    if (it == commands().end()) {
        std::cerr << "maildexctl: unknown command '" << name << "'\n\n";
        usage(std::cerr);
        return maildex::ctl::kExitUsage;
    }
    try {
        return it->second.run(std::move(args));
    } catch (const maildex::ctl::UsageError& e) {
        std::cerr << "maildexctl " << name << ": " << e.what() << "\n"
                  << "Run 'maildexctl " << name << " --help' for usage.\n";
        return maildex::ctl::kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "maildexctl " << name << ": " << e.what() << "\n";
        return maildex::ctl::kExitFailed;
    }
}
