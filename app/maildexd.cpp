// maildexd: the Maildex IMAP server.
//
//   maildexd --config FILE [--config FILE...] [--set KEY=VALUE...]
//                            the server, in the foreground, logging to stderr
//   maildexd --check-config --config FILE...   the settings in effect, and whether the
//                            server would start with them (app/check_config.h)
//   maildexd --version
//   maildexd PATH            one IMAP session on stdin/stdout, pre-authenticated, serving
//   MAILDIR=PATH maildexd    the Maildir at PATH (as Courier's "imapd ./Maildir" does)

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <signal.h>

#include <vector>

#include "app/check_config.h"
#include "base/log.h"
#include "base/log_syslog.h"
#include "base/version.h"
#include "core/auth/authdaemon_protocol.h"
#include "core/auth/checkpassword_backend.h"
#include "core/engine.h"
#include "core/server_config.h"
#include "index/background.h"
#include "index/error.h"
#include "net/server.h"
#include "net/stdio_transport.h"

namespace {

void usage(std::ostream& out) {
    out << "Usage: maildexd --config FILE [--config FILE...] [--set KEY=VALUE...]\n"
           "       maildexd --check-config --config FILE [--config FILE...] [--set ...]\n"
           "       maildexd PATH\n"
           "       MAILDIR=PATH maildexd\n"
           "       maildexd --version\n"
           "\n"
           "With --config, runs the IMAP server in the foreground, logging to stderr; later\n"
           "files and --set win. The settings are documented in etc/maildex.conf. SIGTERM\n"
           "stops it gracefully, SIGHUP reloads the TLS certificates and the user database.\n"
           "\n"
           "With --check-config, prints every setting in effect and where it came from\n"
           "(default, FILE:LINE or --set), opens the certificates and the user database, and\n"
           "exits 0 when the server would start with them, 2 when it would not.\n"
           "\n"
           "With PATH, serves the Maildir at PATH as one pre-authenticated IMAP session on\n"
           "stdin and stdout (for mail clients that run the server as a tunnel command).\n";
}

int runServer(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
    using namespace maildex;
    // Signals are taken by the server's own sigwait; every thread started from here on
    // inherits this mask. A client that goes away must not kill us with SIGPIPE.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    try {
        core::ConfigSource source;
        for (const auto& f : files)
            source.readFile(f);
        for (const auto& s : sets)
            source.set(s);
        std::vector<std::string> unknown;
        core::ServerConfig config = core::buildConfig(source, unknown);
        log::setMinimumLevel(config.logLevel);
        if (config.logTarget == "syslog")
            log::setSink(log::syslogSink("maildexd", *log::syslogFacility(config.logFacility)));
        for (const auto& k : unknown)
            log::warn("unknown setting " + k + " (ignored)");
        app::reportCourierSettings(source, config, [](bool warning, const std::string& text) {
            warning ? log::warn(text) : log::info(text);
        });
        net::Server server(std::move(config));
        int rc = server.run();
        index::waitForBackgroundWork();  // a first index's rows still going in
        return rc;
    } catch (const core::ConfigError& e) {
        std::cerr << "maildexd: configuration: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "maildexd: " << e.what() << "\n";
        return 1;
    }
}

int runStdio(const std::string& maildir) {
    using namespace maildex;
    // stdout carries IMAP; anything said about the session goes to stderr.
    log::setMinimumLevel(log::Level::Warn);
    core::ImapConfig config;
    // Courier's imapd reads its settings from the environment its start script set.
    if (const char* index = std::getenv("IMAP_SHAREDINDEXFILE")) config.sharedIndexFile = index;
    core::TransportInfo transport;
    transport.clientAddress = "stdin";
    core::Engine engine(config, nullptr, transport);
    try {
        // Courier's imapd takes the login from AUTHENTICATED (set by its login program)
        // and the account's ACL groups from OPTIONS; so does this mode.
        core::Identity identity{"user", maildir};
        if (const char* a = std::getenv("AUTHENTICATED"); a && *a)
            identity.user = a;
        else if (const char* u = std::getenv("USER"); u && *u)
            identity.user = u;
        if (const char* options = std::getenv("OPTIONS")) {
            identity.groups = core::auth::authdaemon::optionValues(options, "group");
            identity.options = core::auth::authdaemon::parseOptions(options);
        }
        engine.session().preauthenticate(identity);
    } catch (const index::Error& e) {
        std::string line = "* BYE " + std::string(e.what()) + "\r\n";
        [[maybe_unused]] auto n = ::write(1, line.data(), line.size());
        std::cerr << "maildexd: " << e.what() << "\n";
        return 1;
    }
    int rc = net::runStdioSession(engine, 0, 1);
    index::waitForBackgroundWork();  // a first index's rows still going in
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    // The program a checkpassword back end's checker execs once the password is right
    // (core/auth/checkpassword_backend.h): report the uid, gid and environment it was given.
    if (argc == 2 && std::strcmp(argv[1], "--checkpassword-next") == 0) {
        std::string report = maildex::core::auth::checkpasswordReport();
        std::size_t done = 0;
        while (done < report.size()) {
            ssize_t n = ::write(1, report.data() + done, report.size() - done);
            if (n <= 0) return 111;
            done += static_cast<std::size_t>(n);
        }
        return 0;
    }
    std::string maildir;
    std::vector<std::string> configFiles, sets;
    bool checkOnly = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            usage(std::cout);
            return 0;
        }
        if (a == "--version" || a == "-V") {
            std::cout << "maildexd " << maildex::versionText() << "\n";
            return 0;
        }
        if (a == "--check-config" || a == "-t") {
            checkOnly = true;
            continue;
        }
        if (a == "--config" || a == "--set") {
            if (i + 1 == argc) {
                std::cerr << "maildexd: " << a << " needs a value\n";
                return 2;
            }
            (a == "--config" ? configFiles : sets).push_back(argv[++i]);
            continue;
        }
        if (!a.empty() && a[0] == '-') {
            std::cerr << "maildexd: unknown option " << a << "\n";
            usage(std::cerr);
            return 2;
        }
        if (!maildir.empty()) {
            std::cerr << "maildexd: only one Maildir path may be given\n";
            return 2;
        }
        maildir = a;
    }
    if (checkOnly) {
        if (!maildir.empty()) {
            std::cerr << "maildexd: --check-config checks the server's configuration, not a "
                         "Maildir path\n";
            return 2;
        }
        return maildex::app::checkConfig(configFiles, sets, std::cout, std::cerr);
    }
    if (!configFiles.empty() || !sets.empty()) {
        if (!maildir.empty()) {
            std::cerr
                << "maildexd: give either --config (server) or a Maildir path (one session)\n";
            return 2;
        }
        return runServer(configFiles, sets);
    }
    if (maildir.empty()) {
        if (const char* env = std::getenv("MAILDIR")) maildir = env;
    }
    if (maildir.empty()) {
        usage(std::cerr);
        return 2;
    }
    return runStdio(maildir);
}
