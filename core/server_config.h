#pragma once
// Every setting of the server, in one place: names, defaults, and what a value must be.
// The file format is core/config_file.h. Where Courier has a setting with the same meaning
// Maildex uses Courier's name; Maildex's own settings start with MAILDEX_. Unknown keys are
// warned about by name; an invalid value stops the start with a message naming the key.
// etc/maildex.conf documents every key.
//
// Here in core (it is parsing, no sockets) so that every program reads a setting the same
// way; each part of the server takes its share: the IMAP engine `imap`, the network server
// the listeners, TLS and limits, the authentication back ends the users.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "core/auth/backend_list.h"
#include "core/config.h"
#include "core/config_file.h"
#include "core/trusted_networks.h"

namespace maildex::core {

struct ServerConfig {
    // Listeners. Courier's init scripts start imapd (PORT) only when /etc/courier/imapd
    // says IMAPDSTART=YES and imapd-ssl (SSLPORT) only when imapd-ssl says
    // IMAPDSSLSTART=YES; Maildex reads the same two keys the same way (see
    // etc/maildex.conf for how they combine with IMAPDSTARTTLS and IMAP_TLS_REQUIRED).
    std::string address = "0";     // ADDRESS ("0": every address)
    int port = 143;                // PORT (0: none)
    bool plainStart = true;        // IMAPDSTART: listen on PORT (Debian's default, YES)
    std::string sslAddress = "0";  // SSLADDRESS
    int sslPort = 993;             // SSLPORT
    bool startTls = true;          // IMAPDSTARTTLS: offer STARTTLS on PORT
    bool implicitTls = false;      // IMAPDSSLSTART: listen on SSLPORT
    // IMAP_TLS_REQUIRED: no plain-text login before TLS. On by default (the design's
    // security model); IMAP_TLS_REQUIRED=0 allows it, as Courier's default does.
    bool tlsRequired = true;
    bool plaintextLoopback = true;  // MAILDEX_PLAINTEXT_LOOPBACK: loopback clients are exempt

    // TLS
    std::filesystem::path tlsCertFile;    // TLS_CERTFILE (certificate, and key if no key file)
    std::filesystem::path tlsKeyFile;     // MAILDEX_TLS_KEYFILE or Courier's TLS_PRIVATE_KEYFILE
    std::filesystem::path tlsDhParams;    // TLS_DHPARAMS
    std::filesystem::path tlsTrustCerts;  // TLS_TRUSTCERTS
    std::string tlsProtocol = "TLSv1.2";  // TLS_PROTOCOL: the lowest version accepted
    std::string tlsCipherList;            // TLS_CIPHER_LIST (OpenSSL syntax; empty: ours)
    // TLS_VERIFYPEER: NONE (no client certificate asked for), PEER (one is asked for and,
    // when given, must be signed by TLS_TRUSTCERTS), REQUIREPEER (no handshake without one).
    std::string tlsVerifyPeer = "NONE";

    // IMAPACCESSFILE: couriertcpd's access file (core/access_file.h); empty: everyone.
    std::filesystem::path accessFile;
    // PIDFILE and SSLPIDFILE: written once the listeners are open, removed at exit. One
    // process serves both ports, so both files (when set) hold the same pid.
    std::filesystem::path pidFile;
    std::filesystem::path sslPidFile;

    // Proxies (etc/maildex.conf, "Proxies in front"). MAILDEX_TRUSTED_NETWORKS: the peers
    // whose word on the client's address is taken; the text as given, for the listing.
    std::string trustedNetworksText;
    TrustedNetworks trustedNetworks;
    // MAILDEX_PROXY_PROTOCOL: the listeners (imap: PORT, imaps: SSLPORT) where every
    // connection starts with a PROXY protocol header (net/proxy_header.h).
    std::string proxyProtocolText;
    bool proxyProtocolPlain = false;
    bool proxyProtocolTls = false;
    // MAILDEX_PROXY_PLAINTEXT: on those listeners the proxy speaks IMAP itself and decides
    // about TLS towards clients (nginx's mail proxy), so its plain-text LOGIN is taken.
    bool proxyPlaintext = false;
    // MAILDEX_PROXY_BACKEND: "address:port" the nginx /auth answer names (Auth-Server,
    // Auth-Port); empty: derived from ADDRESS and PORT (net/admin_server.cpp).
    std::string proxyBackend;
    std::string proxyBackendHost;
    int proxyBackendPort = 0;

    // Limits and timeouts
    int maxConnections = 50000;               // MAXDAEMONS: connections in all
    int maxPerIp = 20;                        // MAXPERIP
    std::chrono::seconds preauthTimeout{60};  // MAILDEX_PREAUTH_TIMEOUT
    std::chrono::seconds autologout{1800};    // MAILDEX_AUTOLOGOUT (RFC 3501: >= 30 min)
    std::chrono::seconds writeTimeout{60};    // MAILDEX_WRITE_TIMEOUT: reads nothing
    // (IMAP_IDLE_TIMEOUT is imap.idleKeepalive: the engine's, as stdin/stdout mode has it too.)

    // Users and mail: MAILDEX_AUTH and each back end's settings, MAILDEX_USERDB (the
    // passwd-file), MAILDIRPATH and DEFDOMAIN (for every back end), the login-name rules.
    auth::BackendSettings auth;
    std::string runAsUser;  // MAILDEX_USER: drop privileges after binding
    // IMAP_UMASK (octal, Courier's meaning): the process umask, and the modes of the files
    // Maildex creates for users widen from 0600 to 0666 less it (index/file_modes.h).
    // nullopt: not set, files 0600 and folders 0700.
    std::optional<mode_t> imapUmask;

    // Runtime
    int workers = 0;                         // MAILDEX_WORKERS (0: two per core)
    int eventLoops = 0;                      // MAILDEX_EVENT_LOOPS (0: one per core)
    std::string adminAddress;                // MAILDEX_ADMIN_ADDRESS (host:port; empty: none)
    log::Level logLevel = log::Level::Info;  // MAILDEX_LOG_LEVEL: debug, info, warn, error
    std::string logTarget = "stderr";        // MAILDEX_LOG: stderr or syslog
    std::string logFacility = "mail";        // MAILDEX_LOG_FACILITY (base/log_syslog.h)

    // MAILDEX_INDEX_DIR, IMAP_TRASHFOLDERNAME, IMAP_IDLE_TIMEOUT, MAILDEX_APPENDLIMIT, ...
    ImapConfig imap;
};

// Builds the typed configuration; throws ConfigError naming the key of an invalid value.
// Unknown keys are returned in `unknown` (Courier keys with no meaning here are not).
ServerConfig buildConfig(const ConfigSource& source, std::vector<std::string>& unknown);

// Whether PORT is listened on (IMAPDSTART=YES and PORT not 0), and SSLPORT.
inline bool listensPlain(const ServerConfig& c) {
    return c.plainStart && c.port != 0;
}
inline bool listensTls(const ServerConfig& c) {
    return c.implicitTls && c.sslPort != 0;
}

// What an operator should hear about a configuration that is valid but probably not what
// was meant (e.g. IMAP_TLS_REQUIRED=1 on a port without STARTTLS), one sentence each.
std::vector<std::string> configWarnings(const ServerConfig& config);

// Every key buildConfig() reads (for the documentation test).
std::vector<std::string> knownConfigKeys();
// Each key's default, written as a value in the file would be ("" for none): what
// etc/maildex.conf shows.
std::map<std::string, std::string> defaultConfigValues();

// A key's value in effect and where it came from (ConfigSource::origin, or "default").
struct EffectiveSetting {
    std::string key;
    std::string value;
    std::string origin;
};
// Every known key, for maildexd --check-config: the source's value, else the default.
std::vector<EffectiveSetting> effectiveSettings(const ConfigSource& source);

// IMAP_EMPTYTRASH's value ("Trash:7,Junk:30" or "7" for the trash folder).
std::vector<std::pair<std::string, std::int64_t>> parseEmptyTrash(const std::string& value,
                                                                  const std::string& trash);

}  // namespace maildex::core
