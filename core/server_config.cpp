#include "core/server_config.h"

#include "base/log_syslog.h"
#include "core/capability_filter.h"
#include "core/courier_settings.h"

#include <array>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>

namespace maildex::core {

namespace {

class Reader {
  public:
    Reader(const ConfigSource& source) : values_(source.values()) {}

    bool has(const std::string& key) {
        used_.insert(key);
        return values_.count(key) > 0;
    }
    const std::string& raw(const std::string& key) { return values_.at(key); }

    void text(const std::string& key, std::string& out) {
        if (has(key))
            out = raw(key);
        else
            defaults_[key] = out;
    }
    void path(const std::string& key, std::filesystem::path& out) {
        if (has(key))
            out = raw(key);
        else
            defaults_[key] = out.string();
    }
    void boolean(const std::string& key, bool& out) {
        if (!has(key)) return noteDefault(key, out ? "YES" : "NO");
        std::string v = raw(key);
        for (char& c : v)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (v == "YES" || v == "1" || v == "TRUE")
            out = true;
        else if (v == "NO" || v == "0" || v == "FALSE")
            out = false;
        else
            throw ConfigError(key + ": expected YES or NO (or 1 or 0), got '" + raw(key) + "'");
    }
    // IMAPDSTART and IMAPDSSLSTART as Courier's init scripts read them: Debian's start a
    // listener only when the word is "yes" in any case, Courier's own sample only when it
    // starts with y or Y. YES and NO mean the same to both; a value that would mean "no"
    // to Courier but "yes" to a reader (1, TRUE) or that the two read differently (Y)
    // stops the start rather than open or close a port by guesswork.
    void courierStart(const std::string& key, bool& out) {
        if (!has(key)) return noteDefault(key, out ? "YES" : "NO");
        std::string v = raw(key);
        for (char& c : v)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (v == "YES")
            out = true;
        else if (v == "NO")
            out = false;
        else
            throw ConfigError(key + ": expected YES or NO (Courier starts the listener only for " +
                              "YES), got '" + raw(key) + "'");
    }
    void level(const std::string& key, log::Level& out) {
        if (!has(key)) return noteDefault(key, levelName(out));
        const std::string& v = raw(key);
        if (v == "debug")
            out = log::Level::Debug;
        else if (v == "info")
            out = log::Level::Info;
        else if (v == "warn")
            out = log::Level::Warn;
        else if (v == "error")
            out = log::Level::Error;
        else
            throw ConfigError(key + ": expected debug, info, warn or error, got '" + v + "'");
    }
    template <class T>
    void number(const std::string& key, T& out, long long min, long long max) {
        if (!has(key)) return noteDefault(key, std::to_string(out));
        const std::string& v = raw(key);
        long long n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max)
            throw ConfigError(key + ": expected a whole number from " + std::to_string(min) +
                              " to " + std::to_string(max) + ", got '" + v + "'");
        out = static_cast<T>(n);
    }
    void seconds(const std::string& key, std::chrono::seconds& out, long long min, long long max) {
        long long n = out.count();
        number(key, n, min, max);
        out = std::chrono::seconds(n);
    }
    const std::set<std::string>& used() const { return used_; }
    // The default of each key that was absent, as a value in the file would say it.
    const std::map<std::string, std::string>& defaults() const { return defaults_; }
    std::vector<std::string> unknown() const {
        std::vector<std::string> out;
        for (const auto& [k, v] : values_)
            if (!used_.count(k) && !isInapplicableSetting(k)) out.push_back(k);
        return out;
    }

  private:
    void noteDefault(const std::string& key, std::string text) { defaults_[key] = std::move(text); }
    static const char* levelName(log::Level l) {
        switch (l) {
            case log::Level::Debug:
                return "debug";
            case log::Level::Info:
                return "info";
            case log::Level::Warn:
                return "warn";
            case log::Level::Error:
                return "error";
        }
        return "?";
    }

    const std::map<std::string, std::string>& values_;
    std::set<std::string> used_;
    std::map<std::string, std::string> defaults_;
};

}  // namespace

std::vector<std::pair<std::string, std::int64_t>> parseEmptyTrash(const std::string& value,
                                                                  const std::string& trash) {
    // Courier's forms: "7" (the trash folder), "Trash:7,Junk:30"; folder names as on disk.
    // Ages are days, as in Courier, or carry a unit: 30s, 15m, 12h, 7d.
    std::vector<std::pair<std::string, std::int64_t>> out;
    std::stringstream in(value);
    std::string item;
    while (std::getline(in, item, ',')) {
        item = trimBlanks(item);
        if (item.empty()) continue;
        auto colon = item.rfind(':');
        std::string folder = colon == std::string::npos ? trash : item.substr(0, colon);
        std::string age = colon == std::string::npos ? item : item.substr(colon + 1);
        std::int64_t unit = 86400;
        if (!age.empty() && std::string("smhd").find(age.back()) != std::string::npos) {
            unit = age.back() == 's'   ? 1
                   : age.back() == 'm' ? 60
                   : age.back() == 'h' ? 3600
                                       : 86400;
            age.pop_back();
        }
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(age.data(), age.data() + age.size(), n);
        if (ec != std::errc() || p != age.data() + age.size() || n <= 0 || folder.empty())
            throw ConfigError(
                "IMAP_EMPTYTRASH: expected FOLDER:DAYS[,FOLDER:DAYS...] or DAYS, got '" + value +
                "'");
        out.emplace_back(folder, n * unit);
    }
    return out;
}

namespace {
ServerConfig buildConfigWith(Reader& r, std::vector<std::string>& unknown);

// MAILDEX_AUTH and what the back ends need (core/auth/backend_list.h).
void readAuthentication(Reader& r, auth::BackendSettings& a) {
    if (r.has("MAILDEX_AUTH")) a.order = auth::parseBackendList(r.raw("MAILDEX_AUTH"));
    r.path("MAILDEX_USERDB", a.userDb);
    r.text("MAILDIRPATH", a.accounts.maildirPath);
    r.text("DEFDOMAIN", a.accounts.defaultDomain);
    std::chrono::seconds timeout{10};
    r.seconds("MAILDEX_AUTH_TIMEOUT", timeout, 1, 300);
    a.authdaemon.timeout = a.pam.timeout = a.checkpassword.timeout = timeout;
    // authdaemonrc's authdaemonvar names the directory of authdaemond's socket;
    // MAILDEX_AUTHDAEMON_SOCKET, when given, names the socket itself and wins.
    std::string authdaemonVar;
    r.text("authdaemonvar", authdaemonVar);
    if (!authdaemonVar.empty())
        a.authdaemon.socket = std::filesystem::path(authdaemonVar) / "socket";
    r.path("MAILDEX_AUTHDAEMON_SOCKET", a.authdaemon.socket);
    // A site that gives its authdaemonrc and no other back end logs in through
    // authdaemond, as Courier's imapd does.
    if (!authdaemonVar.empty() && a.order.empty() && a.userDb.empty()) a.order = {"authdaemon"};
    r.number("MAILDEX_AUTHDAEMON_CONNECTIONS", a.authdaemon.maxConnections, 1, 1024);
    r.text("MAILDEX_PAM_SERVICE", a.pam.service);
    r.path("MAILDEX_PAM_CONFDIR", a.pam.confdir);
    if (r.has("MAILDEX_CHECKPASSWORD")) {
        std::istringstream words(r.raw("MAILDEX_CHECKPASSWORD"));
        for (std::string w; words >> w;)
            a.checkpassword.command.push_back(w);
        if (a.checkpassword.command.empty() || a.checkpassword.command.front().front() != '/')
            throw ConfigError(
                "MAILDEX_CHECKPASSWORD: expected the program's absolute path (and "
                "its arguments), got '" +
                r.raw("MAILDEX_CHECKPASSWORD") + "'");
    }
    r.boolean("MAILDEX_LOWERCASE_USER", a.names.lowercase);
    r.boolean("MAILDEX_STRIP_DOMAIN", a.names.stripDomain);
    a.names.defaultDomain = auth::bareDomain(a.accounts.defaultDomain);
    if (a.names.stripDomain && !a.names.defaultDomain.empty())
        throw ConfigError(
            "MAILDEX_STRIP_DOMAIN=YES and DEFDOMAIN: one removes the domain the other adds; set "
            "one of them");
    if (a.pam.service.empty() || a.pam.service.find('/') != std::string::npos)
        throw ConfigError("MAILDEX_PAM_SERVICE: expected a service name such as imap, got '" +
                          a.pam.service + "'");
}

// MAILDEX_TRUSTED_NETWORKS, MAILDEX_PROXY_PROTOCOL, MAILDEX_PROXY_BACKEND.
void readProxies(Reader& r, ServerConfig& c) {
    r.text("MAILDEX_TRUSTED_NETWORKS", c.trustedNetworksText);
    c.trustedNetworks = TrustedNetworks::parse(c.trustedNetworksText);
    r.text("MAILDEX_PROXY_PROTOCOL", c.proxyProtocolText);
    std::istringstream words(c.proxyProtocolText);
    for (std::string w; std::getline(words, w, ',');) {
        std::istringstream blanks(w);
        for (std::string name; blanks >> name;) {
            for (char& ch : name)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (name == "imap")
                c.proxyProtocolPlain = true;
            else if (name == "imaps")
                c.proxyProtocolTls = true;
            else
                throw ConfigError(
                    "MAILDEX_PROXY_PROTOCOL: expected imap (PORT), imaps (SSLPORT) or both, got '" +
                    c.proxyProtocolText + "'");
        }
    }
    r.boolean("MAILDEX_PROXY_PLAINTEXT", c.proxyPlaintext);
    if ((c.proxyProtocolPlain || c.proxyProtocolTls) && c.trustedNetworks.empty())
        throw ConfigError(
            "MAILDEX_PROXY_PROTOCOL needs MAILDEX_TRUSTED_NETWORKS (the proxies whose headers "
            "are taken): without it every connection would be refused");
    r.text("MAILDEX_PROXY_BACKEND", c.proxyBackend);
    if (!c.proxyBackend.empty()) {
        // "192.0.2.7:143" or "[2001:db8::7]:143": nginx wants an address, not a name.
        auto colon = c.proxyBackend.rfind(':');
        std::string host = colon == std::string::npos ? "" : c.proxyBackend.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        else if (host.find(':') != std::string::npos)
            host.clear();
        std::string port = colon == std::string::npos ? "" : c.proxyBackend.substr(colon + 1);
        int n = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
        std::array<std::uint8_t, 16> bytes{};
        bool v6 = false;
        if (!parseIpAddress(host, bytes, v6) || port.empty() || ec != std::errc() ||
            p != port.data() + port.size() || n < 1 || n > 65535)
            throw ConfigError(
                "MAILDEX_PROXY_BACKEND: expected ADDRESS:PORT (192.0.2.7:143, [2001:db8::7]:143), "
                "got '" +
                c.proxyBackend + "'");
        c.proxyBackendHost = host;
        c.proxyBackendPort = n;
    }
}

}  // namespace

ServerConfig buildConfig(const ConfigSource& source, std::vector<std::string>& unknown) {
    Reader r(source);
    return buildConfigWith(r, unknown);
}

namespace {

ServerConfig buildConfigWith(Reader& r, std::vector<std::string>& unknown) {
    ServerConfig c;
    r.text("ADDRESS", c.address);
    r.number("PORT", c.port, 0, 65535);
    r.courierStart("IMAPDSTART", c.plainStart);
    r.text("SSLADDRESS", c.sslAddress);
    r.number("SSLPORT", c.sslPort, 0, 65535);
    r.boolean("IMAPDSTARTTLS", c.startTls);
    r.courierStart("IMAPDSSLSTART", c.implicitTls);
    r.boolean("IMAP_TLS_REQUIRED", c.tlsRequired);
    r.boolean("MAILDEX_PLAINTEXT_LOOPBACK", c.plaintextLoopback);
    r.path("TLS_CERTFILE", c.tlsCertFile);
    r.path("TLS_PRIVATE_KEYFILE", c.tlsKeyFile);
    r.path("MAILDEX_TLS_KEYFILE", c.tlsKeyFile);
    r.path("TLS_DHPARAMS", c.tlsDhParams);
    r.path("TLS_TRUSTCERTS", c.tlsTrustCerts);
    r.text("TLS_VERIFYPEER", c.tlsVerifyPeer);
    for (char& ch : c.tlsVerifyPeer)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (c.tlsVerifyPeer != "NONE" && c.tlsVerifyPeer != "PEER" && c.tlsVerifyPeer != "REQUIREPEER")
        throw ConfigError("TLS_VERIFYPEER: expected NONE, PEER or REQUIREPEER, got '" +
                          c.tlsVerifyPeer + "'");
    if (c.tlsVerifyPeer != "NONE" && c.tlsTrustCerts.empty())
        throw ConfigError("TLS_VERIFYPEER=" + c.tlsVerifyPeer +
                          " needs TLS_TRUSTCERTS (the authorities that sign client certificates)");
    r.text("TLS_PROTOCOL", c.tlsProtocol);
    r.text("TLS_CIPHER_LIST", c.tlsCipherList);
    r.number("MAXDAEMONS", c.maxConnections, 1, 10'000'000);
    r.number("MAXPERIP", c.maxPerIp, 1, 10'000'000);
    r.seconds("MAILDEX_PREAUTH_TIMEOUT", c.preauthTimeout, 1, 86400);
    r.seconds("MAILDEX_AUTOLOGOUT", c.autologout, 60, 7 * 86400);
    r.seconds("IMAP_IDLE_TIMEOUT", c.imap.idleKeepalive, 1, 86400);
    r.seconds("MAILDEX_WRITE_TIMEOUT", c.writeTimeout, 1, 86400);
    r.path("IMAPACCESSFILE", c.accessFile);
    readProxies(r, c);
    r.path("PIDFILE", c.pidFile);
    r.path("SSLPIDFILE", c.sslPidFile);
    readAuthentication(r, c.auth);
    r.text("MAILDEX_USER", c.runAsUser);
    r.boolean("MAILDEX_ALLOW_ROOT_MAIL", c.imap.allowRootMail);
    if (r.has("IMAP_UMASK")) {
        // Courier's meaning (imapd(8)): the value given to the shell's umask, octal.
        const std::string& v = r.raw("IMAP_UMASK");
        unsigned mask = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), mask, 8);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size() || mask > 0777)
            throw ConfigError("IMAP_UMASK: expected an octal umask such as 077 or 027, got '" + v +
                              "'");
        c.imapUmask = static_cast<mode_t>(mask);
    }
    r.number("MAILDEX_WORKERS", c.workers, 0, 1024);
    r.number("MAILDEX_EVENT_LOOPS", c.eventLoops, 0, 256);
    r.text("MAILDEX_ADMIN_ADDRESS", c.adminAddress);
    r.level("MAILDEX_LOG_LEVEL", c.logLevel);
    r.text("MAILDEX_LOG", c.logTarget);
    if (c.logTarget != "stderr" && c.logTarget != "syslog")
        throw ConfigError("MAILDEX_LOG: expected stderr or syslog, got '" + c.logTarget + "'");
    r.text("MAILDEX_LOG_FACILITY", c.logFacility);
    if (!log::syslogFacility(c.logFacility))
        throw ConfigError(
            "MAILDEX_LOG_FACILITY: expected mail, daemon, user, auth, authpriv or "
            "local0 to local7, got '" +
            c.logFacility + "'");
    r.path("MAILDEX_INDEX_DIR", c.imap.indexDir);
    r.text("IMAP_TRASHFOLDERNAME", c.imap.trashFolder);
    r.boolean("IMAP_ACL", c.imap.acl);
    r.path("IMAP_SHAREDINDEXFILE", c.imap.sharedIndexFile);
    if (r.has("IMAP_EMPTYTRASH"))
        c.imap.emptyTrash = parseEmptyTrash(r.raw("IMAP_EMPTYTRASH"), c.imap.trashFolder);
    r.number("MAILDEX_QUOTA_WARN", c.imap.quotaWarning.percent, 0, 100);
    r.path("MAILDEX_QUOTA_WARN_MESSAGE", c.imap.quotaWarning.messageFile);
    r.path("MAILDEX_BULLETIN_DIR", c.imap.bulletinDir);
    r.number("MAILDEX_APPENDLIMIT", c.imap.limits.maxAppendLiteral, 1024, 1LL << 32);
    r.number("MAILDEX_MAX_LINE", c.imap.limits.maxLineLength, 1024, 16 * 1024 * 1024);
    std::string caps, capsTls;
    r.text("IMAP_CAPABILITY", caps);
    r.text("IMAP_CAPABILITY_TLS", capsTls);
    if (r.has("IMAP_CAPABILITY")) c.imap.capabilities = splitCapabilities(caps);
    if (r.has("IMAP_CAPABILITY_TLS")) c.imap.capabilitiesTls = splitCapabilities(capsTls);
    r.boolean("IMAP_DISABLETHREADSORT", c.imap.disableThreadSort);

    // Cross-checks, each naming the keys involved.
    if (c.tlsProtocol.rfind("TLSv1.2", 0) != 0 && c.tlsProtocol.rfind("TLSv1.3", 0) != 0 &&
        c.tlsProtocol.rfind("TLSv1.1", 0) != 0 && c.tlsProtocol.rfind("TLSv1", 0) != 0)
        throw ConfigError(
            "TLS_PROTOCOL: expected TLSv1.2 or TLSv1.3 (the lowest version accepted), got '" +
            c.tlsProtocol + "'");
    if ((c.implicitTls || c.startTls) && c.tlsCertFile.empty() && r.has("TLS_CERTFILE"))
        throw ConfigError("TLS_CERTFILE: empty");
    if (c.implicitTls && c.tlsCertFile.empty())
        throw ConfigError("IMAPDSSLSTART=YES needs TLS_CERTFILE (certificate and key)");
    if (!listensPlain(c) && !listensTls(c))
        throw ConfigError(
            "IMAPDSTART, PORT, IMAPDSSLSTART and SSLPORT: nothing to listen on (IMAPDSTART=NO or "
            "PORT=0, and IMAPDSSLSTART=NO or SSLPORT=0)");
    unknown = r.unknown();
    return c;
}

}  // namespace

std::vector<std::string> configWarnings(const ServerConfig& c) {
    std::vector<std::string> out;
    // Courier asks for STARTTLS only where it offers it: with IMAP_TLS_REQUIRED=1 and no
    // STARTTLS, couriertcpd's imaplogin takes plain-text logins. Maildex does not open
    // that hole; it says what the port is good for instead.
    bool startTlsOffered = c.startTls && !c.tlsCertFile.empty();
    if (listensPlain(c) && c.tlsRequired && !startTlsOffered)
        out.push_back("IMAP_TLS_REQUIRED=1 but port " + std::to_string(c.port) +
                      " offers no STARTTLS (IMAPDSTARTTLS=NO or no TLS_CERTFILE): " +
                      (c.plaintextLoopback ? "only loopback clients" : "no client") +
                      " can log in there (Courier would take plain-text logins; set "
                      "IMAP_TLS_REQUIRED=0 for that, or IMAPDSTART=NO not to listen)");
    return out;
}

std::vector<std::string> knownConfigKeys() {
    std::vector<std::string> out;
    for (const auto& [key, value] : defaultConfigValues())
        out.push_back(key);
    return out;
}

std::map<std::string, std::string> defaultConfigValues() {
    // Building from nothing asks for every key once, each noting its default: the one
    // definition of a default stays the ServerConfig member's initializer.
    ConfigSource empty;
    std::vector<std::string> unknown;
    Reader probe(empty);
    buildConfigWith(probe, unknown);
    std::map<std::string, std::string> out;
    for (const auto& key : probe.used()) {
        auto it = probe.defaults().find(key);
        out[key] = it == probe.defaults().end() ? std::string() : it->second;
    }
    return out;
}

std::vector<EffectiveSetting> effectiveSettings(const ConfigSource& source) {
    std::vector<EffectiveSetting> out;
    for (const auto& [key, fallback] : defaultConfigValues()) {
        auto it = source.values().find(key);
        if (it == source.values().end())
            out.push_back({key, fallback, "default"});
        else
            out.push_back({key, it->second, source.origin(key)});
    }
    return out;
}

}  // namespace maildex::core
