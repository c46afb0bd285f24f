// The table of Courier settings that do not apply to Maildex, with the reasons
// (core/courier_settings.h). Taken from Debian's shipped /etc/courier/imapd, imapd-ssl
// (courier-imap 5.0.13) and authdaemonrc (courier-authlib 0.71), commented-out keys
// included, and imapd(8). The keys Maildex honours are read in core/server_config.cpp.

#include "core/courier_settings.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/imap/ascii.h"

namespace maildex::core {

namespace {}  // namespace

const std::vector<InapplicableSetting>& inapplicableSettings() {
    // Reasons say what Maildex does instead, so an operator knows where to look.
    static const std::vector<InapplicableSetting> table = {
        // /etc/courier/imapd
        {"AUTH_MKHOMEDIR_SKEL",
         {""},
         "home directories are not created at login; create them with maildexctl user add or "
         "the delivery agent"},
        {"HEADERFROM", {"*"}, "belongs to Courier's Outbox (OUTBOX), which Maildex does not offer"},
        {"IMAPDEBUGFILE",
         {""},
         "per-account command logs are not written; MAILDEX_LOG_LEVEL=debug logs the sessions"},
        {"IMAP_BROKENUIDV",
         {"", "0"},
         "UIDVALIDITY is kept from courierimapuiddb as Courier wrote it"},
        {"IMAP_CAPABILITY_ORIG",
         {"*"},
         "a copy of the shipped default for Courier's webadmin; the server advertises "
         "IMAP_CAPABILITY"},
        {"IMAP_CAPABILITY_TLS_ORIG",
         {"*"},
         "a copy of the shipped default for Courier's webadmin; the server advertises "
         "IMAP_CAPABILITY_TLS"},
        {"IMAP_CHECK_ALL_FOLDERS",
         {"0"},
         "new mail is reported for the selected folder (in real time); clients ask STATUS "
         "for the others"},
        {"IMAP_ENHANCEDIDLE",
         {"*"},
         "Maildex always reports other sessions' changes in real time (inotify), in IDLE and "
         "between commands, as Courier does with IMAP_ENHANCEDIDLE=1"},
        {"IMAP_ID_FIELDS", {"", "0"}, "ID answers Maildex's name and version"},
        {"IMAP_KEYWORDS",
         {"1", "2"},
         "keywords are always on, kept in courierimapkeywords/ as Courier's IMAP_KEYWORDS=1 "
         "keeps them"},
        {"IMAP_LOG_DELETIONS",
         {"", "0"},
         "deletions are not logged one by one; EXPUNGE counts appear at "
         "MAILDEX_LOG_LEVEL=debug"},
        {"IMAP_MAILBOX_SANITY_CHECK",
         {"*"},
         "there is no separate owner check: each user's files are reached under that user's "
         "own identity where the server runs as root"},
        {"IMAP_MOVE_EXPUNGE_TO_TRASH",
         {"", "0"},
         "not applied by this build: EXPUNGE removes messages (IMAP_EMPTYTRASH still empties "
         "the trash folder)"},
        {"IMAP_OBSOLETE_CLIENT",
         {"", "0"},
         "RFC 2060 clients are not given special answers; Maildex answers as RFC 3501 says"},
        {"IMAP_PROXY",
         {"", "0"},
         "Courier's built-in proxy is not offered; put nginx's mail proxy in front "
         "(etc/nginx-mail-proxy.conf)"},
        {"IMAP_PROXY_FOREIGN", {"", "0"}, "Courier's built-in proxy is not offered"},
        {"IMAP_ULIMITD",
         {"*"},
         "it is ulimit -v for each of Courier's one-process-per-connection imapd; Maildex "
         "serves every connection in one process, where that limit would stop the server. "
         "Each connection is bounded by MAILDEX_MAX_LINE and MAILDEX_APPENDLIMIT, the whole "
         "by systemd's MemoryMax="},
        {"IMAP_UMASK",
         {"077", "0077"},
         "files are created 0600 and folders 0700 whatever the umask (group or other access "
         "is not given)"},
        {"IMAP_USELOCKS",
         {"*"},
         "SQLite transactions serialize index writes between processes; no dot-lock files "
         "are needed"},
        {"LOGGEROPTS",
         {"*"},
         "courierlogger's options; Maildex logs to stderr or syslog itself (MAILDEX_LOG, "
         "MAILDEX_LOG_FACILITY)"},
        {"OUTBOX", {""}, "Courier's Outbox (sending mail by saving it to a folder) is not offered"},
        {"OUTBOX_MULTIPLE_SEND", {""}, "Courier's Outbox is not offered"},
        {"PROXY_HOSTNAME", {""}, "Courier's built-in proxy is not offered"},
        {"SENDMAIL", {"*"}, "only Courier's Outbox sends mail; Maildex does not offer it"},
        {"SMAP_CAPABILITY", {""}, "Courier's experimental SMAP protocol is not offered"},
        {"TCPDOPTS",
         {"*"},
         "couriertcpd's options; Maildex never looks up DNS or ident (what -nodnslookup "
         "-noidentlookup ask for), and MAXPERIP limits each address"},
        {"AUTHSERVICE143", {"*"}, "Maildex asks authdaemond for the service imap on every port"},
        {"AUTHSERVICE993", {"*"}, "Maildex asks authdaemond for the service imap on every port"},
        // /etc/courier/imapd-ssl
        {"COURIERTLS", {"*"}, "Maildex speaks TLS itself (OpenSSL), not through couriertls"},
        {"SSLLOGGEROPTS", {"*"}, "courierlogger's options; Maildex logs itself (MAILDEX_LOG)"},
        {"TLS_ALPN", {"*"}, "ALPN is not negotiated"},
        {"TLS_CACHEFILE",
         {"*"},
         "one process keeps OpenSSL's session cache in memory; couriertls's file cache is "
         "not needed"},
        {"TLS_CACHESIZE", {"*"}, "one process keeps OpenSSL's session cache in memory"},
        {"TLS_EXTERNAL", {""}, "logins by client certificate (AUTH=EXTERNAL) are not offered"},
        {"TLS_MIN_DH_BITS",
         {"*"},
         "TLS_DHPARAMS (or OpenSSL's built-in groups) decides the Diffie-Hellman size"},
        {"TLS_PRIORITY",
         {"*"},
         "a GnuTLS setting (Courier's file says so); Maildex uses OpenSSL: TLS_PROTOCOL and "
         "TLS_CIPHER_LIST"},
        {"TLS_STARTTLS_PROTOCOL",
         {""},
         "STARTTLS accepts the same versions as implicit TLS: TLS_PROTOCOL"},
        {"TLS_TIMEOUT", {"*"}, "MAILDEX_PREAUTH_TIMEOUT bounds the handshake with the rest"},
        // /etc/courier/authdaemonrc
        {"authmodulelist",
         {"*"},
         "authdaemond's own modules; Maildex asks authdaemond (MAILDEX_AUTH=authdaemon) and "
         "lets it choose"},
        {"authmodulelistorig", {"*"}, "a copy of the shipped default for Courier's webadmin"},
        {"daemons",
         {"*"},
         "authdaemond's process count; MAILDEX_AUTHDAEMON_CONNECTIONS bounds Maildex's "
         "connections to it"},
        {"DEBUG_LOGIN",
         {"0"},
         "MAILDEX_LOG_LEVEL=debug says why each login failed (never the password)"},
        {"DEFAULTOPTIONS", {"*"}, "authdaemond applies it to the OPTIONS it answers with"},
        {"disablewebmail", {"*"}, "a webmail setting"},
        {"LDAPTLS_CACERT", {"*"}, "authdaemond's LDAP module's setting"},
        {"LDAPTLS_CERT", {"*"}, "authdaemond's LDAP module's setting"},
        {"LDAPTLS_KEY", {"*"}, "authdaemond's LDAP module's setting"},
        {"LDAPTLS_REQCERT", {"*"}, "authdaemond's LDAP module's setting"},
    };
    return table;
}

bool isInapplicableSetting(const std::string& key) {
    static const std::set<std::string> keys = [] {
        std::set<std::string> out;
        for (const auto& s : inapplicableSettings())
            out.insert(s.key);
        return out;
    }();
    return keys.count(key) > 0;
}

std::vector<SettingNote> inapplicableSettingNotes(const ConfigSource& source,
                                                  const std::vector<std::string>& read) {
    std::vector<SettingNote> out;
    for (const auto& s : inapplicableSettings()) {
        auto it = source.values().find(s.key);
        if (it == source.values().end()) continue;
        if (std::find(read.begin(), read.end(), s.key) != read.end()) continue;
        std::string value = ascii::upper(trimBlanks(it->second));
        bool harmless = std::any_of(s.harmless.begin(), s.harmless.end(),
                                    [&](const std::string& h) { return h == "*" || h == value; });
        std::string origin = source.origin(s.key);
        out.push_back({s.key, !harmless,
                       s.key + std::string("=") + it->second +
                           (origin.empty() ? "" : " (" + origin + ")") +
                           ": understood, not applied: " + s.reason});
    }
    return out;
}

}  // namespace maildex::core
