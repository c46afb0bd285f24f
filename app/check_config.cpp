#include "app/check_config.h"

#include <pwd.h>

#include <algorithm>
#include <cctype>
#include <ostream>

#include "base/log.h"
#include "base/version.h"
#include "core/access_file.h"
#include "core/auth/backend_list.h"
#include "core/auth/user_database.h"
#include "core/capability_filter.h"
#include "core/courier_settings.h"
#include "core/server_config.h"
#include "core/session.h"
#include "net/tls_context.h"

namespace maildex::app {

namespace {

// A value as the configuration file reads it back: bare when it is plain, otherwise in
// single quotes (a quote inside as '\'').
std::string quoted(const std::string& v) {
    bool plain = std::all_of(v.begin(), v.end(), [](unsigned char c) {
        return std::isalnum(c) ||
               std::string_view("_./:@,+-%=").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (plain) return v;
    std::string out = "'";
    for (char c : v)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

void printSettings(const core::ConfigSource& source, std::ostream& out) {
    out << "# maildexd " << versionText() << ": the settings in effect\n";
    auto settings = core::effectiveSettings(source);
    std::size_t width = 0;
    std::vector<std::string> lines;
    for (const auto& s : settings) {
        lines.push_back(s.key + "=" + quoted(s.value));
        width = std::max(width, lines.back().size());
    }
    for (std::size_t i = 0; i < settings.size(); ++i) {
        std::string line = lines[i];
        line.resize(width + 2, ' ');
        out << line << "# " << settings[i].origin << "\n";
    }
}

}  // namespace

void reportCourierSettings(const core::ConfigSource& source, const core::ServerConfig& config,
                           const std::function<void(bool, const std::string&)>& say) {
    for (const auto& note : core::inapplicableSettingNotes(source, core::knownConfigKeys()))
        say(note.warning, note.text);
    auto everything = core::Session::everyCapability(config.imap);
    for (const auto* list : {&config.imap.capabilities, &config.imap.capabilitiesTls}) {
        if (!*list) continue;
        auto missing = core::unofferedCapabilities(**list, everything);
        if (missing.empty()) continue;
        std::string names;
        for (const auto& m : missing)
            names += " " + m;
        say(false, std::string(list == &config.imap.capabilities ? "IMAP_CAPABILITY"
                                                                 : "IMAP_CAPABILITY_TLS") +
                       ": not advertised, Maildex does not offer:" + names);
    }
    if (config.imap.disableThreadSort)
        say(false,
            "IMAP_DISABLETHREADSORT=1: SORT and THREAD are refused (still advertised if "
            "IMAP_CAPABILITY lists them, as Courier does)");
}

int checkConfig(const std::vector<std::string>& files, const std::vector<std::string>& sets,
                std::ostream& out, std::ostream& err) {
    constexpr int kGood = 0, kBad = 2;
    // What the checks themselves log (the user database's count) is said here instead;
    // their warnings still come through.
    log::setMinimumLevel(log::Level::Warn);
    core::ConfigSource source;
    try {
        for (const auto& f : files)
            source.readFile(f);
        for (const auto& s : sets)
            source.set(s);
    } catch (const core::ConfigError& e) {
        err << "maildexd: configuration: " << e.what() << "\n";
        return kBad;
    }
    printSettings(source, out);

    std::vector<std::string> unknown;
    core::ServerConfig config;
    try {
        config = core::buildConfig(source, unknown);
    } catch (const core::ConfigError& e) {
        err << "maildexd: configuration: " << e.what() << "\n";
        return kBad;
    }
    for (const auto& k : unknown)
        err << "maildexd: warning: unknown setting " << k << " (" << source.origin(k)
            << ", ignored)\n";
    for (const auto& w : core::configWarnings(config))
        err << "maildexd: warning: " << w << "\n";
    reportCourierSettings(source, config, [&](bool warning, const std::string& text) {
        err << "maildexd: " << (warning ? "warning: " : "") << text << "\n";
    });

    int rc = kGood;
    auto fail = [&](const std::string& what) {
        err << "maildexd: configuration: " << what << "\n";
        rc = kBad;
    };
    if (!config.accessFile.empty()) {
        try {
            auto rules = core::AccessList::load(config.accessFile);
            err << "maildexd: IMAPACCESSFILE " << config.accessFile.string() << ": " << rules.size()
                << (rules.size() == 1 ? " rule\n" : " rules\n");
        } catch (const core::ConfigError& e) {
            fail(e.what());
        }
    }
    if (!config.tlsCertFile.empty()) {
        try {
            net::TlsManager tls(net::tlsOptionsFrom(config));
            err << "maildexd: TLS certificate " << config.tlsCertFile.string() << ": ok\n";
        } catch (const std::exception& e) {
            fail(std::string("TLS_CERTFILE: ") + e.what());
        }
    }
    try {
        // The back ends as the server builds them, each checking what it can without a login.
        auto backends = core::auth::makeBackends(config.auth);
        std::string order;
        for (const auto& name : core::auth::effectiveOrder(config.auth))
            order += (order.empty() ? "" : ", ") + name;
        err << "maildexd: authentication: " << order << "\n";
        if (!config.auth.userDb.empty()) {
            core::auth::UserDatabaseOptions options;
            options.accounts = config.auth.accounts;
            core::auth::UserDatabase users(config.auth.userDb, options);
            std::size_t n = users.userCount();
            err << "maildexd: user database " << config.auth.userDb.string() << ": " << n
                << (n == 1 ? " user" : " users") << "\n";
        }
    } catch (const core::ConfigError& e) {
        fail(e.what());
    } catch (const std::exception& e) {
        fail(std::string("MAILDEX_USERDB: ") + e.what());
    }
    if (!config.runAsUser.empty() && !::getpwnam(config.runAsUser.c_str()))
        fail("MAILDEX_USER: no such user '" + config.runAsUser + "'");
    err << (rc == kGood ? "maildexd: the configuration is good\n"
                        : "maildexd: the configuration is bad; the server would not start\n");
    return rc;
}

}  // namespace maildex::app
