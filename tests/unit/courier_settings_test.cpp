// Courier's settings: IMAPACCESSFILE's rules (core/access_file.h), IMAP_CAPABILITY's
// filter (core/capability_filter.h), and that every key of Debian's shipped Courier files
// is honoured or named with a reason (core/courier_settings.h).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/access_file.h"
#include "core/capability_filter.h"
#include "core/courier_settings.h"
#include "core/server_config.h"

namespace maildex::core {
namespace {

AccessList rules(const std::string& text) {
    AccessList list;
    list.parse(text, "test");
    return list;
}

TEST(AccessFile, MostSpecificLineWinsWhateverTheOrder) {
    auto list = rules("192.68.0.10\tallow\n# comment\n\n192.68.0\tdeny\n");
    EXPECT_FALSE(list.check("192.68.0.9").allowed);
    EXPECT_EQ(list.check("192.68.0.9").rule, "192.68.0");
    EXPECT_TRUE(list.check("192.68.0.10").allowed);
    EXPECT_EQ(list.check("192.68.0.10").rule, "192.68.0.10");
    EXPECT_TRUE(list.check("192.68.1.1").allowed);
    EXPECT_EQ(list.check("192.68.1.1").rule, "");
    // A dotted prefix is whole octets: 192.68.0 is not 192.68.00x.
    EXPECT_TRUE(rules("10.1\tdeny\n").check("10.10.0.1").allowed);
}

TEST(AccessFile, StarDeniesTheRestAndMappedAddressesAreIpv4) {
    auto list = rules("*\tdeny\n127.0.0.1\tallow,RELAYCLIENT\n");
    EXPECT_TRUE(list.check("127.0.0.1").allowed);
    EXPECT_TRUE(list.check("::ffff:127.0.0.1").allowed);
    EXPECT_FALSE(list.check("127.0.0.2").allowed);
    EXPECT_FALSE(list.check("::1").allowed);
}

TEST(AccessFile, CidrAndIpv6Forms) {
    auto list = rules(
        "10.0.0.0/9\tdeny\n"
        ":2002:c0a8\tdeny\n"
        "2001:db8::/32\tdeny\n"
        ":2001:0db8:0000:0000:0000:0000:0000:0001\tallow\n");
    EXPECT_FALSE(list.check("10.127.1.1").allowed);
    EXPECT_TRUE(list.check("10.128.1.1").allowed);
    EXPECT_FALSE(list.check("2002:c0a8::1").allowed);
    EXPECT_TRUE(list.check("2002:c0a9::1").allowed);
    EXPECT_FALSE(list.check("2001:db8::2").allowed);
    EXPECT_TRUE(list.check("2001:db8::1").allowed);
}

TEST(AccessFile, BadLinesNameFileAndLine) {
    for (const char* bad : {"192.168.0.1\n", "192.168.0.1\tmaybe\n", "300.1\tdeny\n",
                            "10.0.0.0/33\tdeny\n", ":2002:c0\tdeny\n", "1.2.3.4.5\tdeny\n"}) {
        try {
            rules(std::string("# first\n") + bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find("test:2"), std::string::npos) << e.what();
        }
    }
}

TEST(AccessFile, ReadsADirectoryLikeMakeimapaccess) {
    auto dir = std::filesystem::temp_directory_path() / "maildex-imapaccess-test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "10-deny") << "192.0.2\tdeny\n";
    std::ofstream(dir / "20-allow") << "192.0.2.5\tallow\n";
    std::ofstream(dir / "20-allow~") << "garbage that would not parse\n";
    auto list = AccessList::load(dir);
    EXPECT_EQ(list.size(), 2u);
    EXPECT_FALSE(list.check("192.0.2.4").allowed);
    EXPECT_TRUE(list.check("192.0.2.5").allowed);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);  // Debian ships it empty: everyone may connect
    EXPECT_TRUE(AccessList::load(dir).check("192.0.2.4").allowed);
    std::filesystem::remove_all(dir);
    EXPECT_THROW(AccessList::load(dir), ConfigError);
}

TEST(CapabilityFilter, IntersectsAndKeepsWhatOtherSettingsDecide) {
    std::vector<std::string> debian = splitCapabilities(
        "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT "
        "QUOTA IDLE");
    EXPECT_EQ(filterCapabilities("IMAP4rev1 LITERAL+ IDLE SORT SORT=DISPLAY UIDPLUS STARTTLS "
                                 "AUTH=PLAIN APPENDLIMIT=100",
                                 debian),
              "IMAP4rev1 IDLE SORT UIDPLUS STARTTLS");
    auto tls = debian;
    tls.push_back("AUTH=PLAIN");
    tls.push_back("appendlimit");
    EXPECT_EQ(filterCapabilities("IMAP4rev1 AUTH=LOGIN AUTH=PLAIN APPENDLIMIT=100", tls),
              "IMAP4rev1 AUTH=PLAIN APPENDLIMIT=100");
    EXPECT_EQ(filterCapabilities("IMAP4rev1 LOGINDISABLED ACL RIGHTS=texk", {}),
              "IMAP4rev1 LOGINDISABLED ACL RIGHTS=texk");
    EXPECT_EQ(
        unofferedCapabilities(splitCapabilities("IDLE AUTH=CRAM-SHA1 ACL XFOO"), "IMAP4rev1 IDLE"),
        (std::vector<std::string>{"AUTH=CRAM-SHA1", "XFOO"}));
}

// Every key of Debian's /etc/courier/imapd, imapd-ssl (courier-imap 5.0.13) and
// authdaemonrc, the commented-out ones included: honoured, or in the table with a reason.
TEST(CourierSettings, EveryDebianKeyIsHonouredOrExplained) {
    const char* keys[] = {
        "ADDRESS", "AUTH_MKHOMEDIR_SKEL", "DEFDOMAIN", "HEADERFROM", "IMAPACCESSFILE",
        "IMAPDEBUGFILE", "IMAPDSTART", "IMAP_ACL", "IMAP_CAPABILITY", "IMAP_CAPABILITY_ORIG",
        "IMAP_CAPABILITY_TLS", "IMAP_CAPABILITY_TLS_ORIG", "IMAP_CHECK_ALL_FOLDERS",
        "IMAP_DISABLETHREADSORT", "IMAP_EMPTYTRASH", "IMAP_ENHANCEDIDLE", "IMAP_IDLE_TIMEOUT",
        "IMAP_ID_FIELDS", "IMAP_KEYWORDS", "IMAP_LOG_DELETIONS", "IMAP_MAILBOX_SANITY_CHECK",
        "IMAP_MOVE_EXPUNGE_TO_TRASH", "IMAP_OBSOLETE_CLIENT", "IMAP_PROXY", "IMAP_PROXY_FOREIGN",
        "IMAP_SHAREDINDEXFILE", "IMAP_TRASHFOLDERNAME", "IMAP_ULIMITD", "IMAP_UMASK",
        "IMAP_USELOCKS", "LOGGEROPTS", "MAILDIRPATH", "MAXDAEMONS", "MAXPERIP", "OUTBOX",
        "OUTBOX_MULTIPLE_SEND", "PIDFILE", "PORT", "PROXY_HOSTNAME", "SENDMAIL", "SMAP_CAPABILITY",
        "TCPDOPTS",
        // imapd-ssl
        "COURIERTLS", "IMAPDSSLSTART", "IMAPDSTARTTLS", "IMAP_TLS_REQUIRED", "SSLADDRESS",
        "SSLLOGGEROPTS", "SSLPIDFILE", "SSLPORT", "TLS_CACHEFILE", "TLS_CACHESIZE", "TLS_CERTFILE",
        "TLS_CIPHER_LIST", "TLS_DHPARAMS", "TLS_MIN_DH_BITS", "TLS_PRIVATE_KEYFILE",
        "TLS_STARTTLS_PROTOCOL", "TLS_TRUSTCERTS", "TLS_VERIFYPEER", "TLS_PROTOCOL", "TLS_PRIORITY",
        "TLS_EXTERNAL",
        // authdaemonrc
        "DEBUG_LOGIN", "DEFAULTOPTIONS", "LDAPTLS_CACERT", "LDAPTLS_CERT", "LDAPTLS_KEY",
        "LDAPTLS_REQCERT", "authdaemonvar", "authmodulelist", "authmodulelistorig", "daemons",
        "disablewebmail"};
    auto known = knownConfigKeys();
    for (const char* k : keys) {
        bool read = std::find(known.begin(), known.end(), k) != known.end();
        EXPECT_TRUE(read || isInapplicableSetting(k)) << k << " is neither honoured nor explained";
    }
}

TEST(CourierSettings, NotesSayWhyAndWarnWhenTheValueAsksForMore) {
    ConfigSource s;
    s.set("IMAP_USELOCKS=1");
    s.set("IMAP_PROXY=1");
    s.set("IMAP_PROXY_FOREIGN=0");
    s.set("PORT=143");
    auto notes = inapplicableSettingNotes(s, knownConfigKeys());
    ASSERT_EQ(notes.size(), 3u);
    std::map<std::string, SettingNote> by;
    for (const auto& n : notes)
        by[n.key] = n;
    EXPECT_TRUE(by["IMAP_PROXY"].warning);
    EXPECT_NE(by["IMAP_PROXY"].text.find("nginx"), std::string::npos);
    EXPECT_FALSE(by["IMAP_USELOCKS"].warning);
    EXPECT_NE(by["IMAP_USELOCKS"].text.find("IMAP_USELOCKS=1 (--set): understood, not applied"),
              std::string::npos)
        << by["IMAP_USELOCKS"].text;
    EXPECT_FALSE(by["IMAP_PROXY_FOREIGN"].warning);
    // A key another part of the server reads is not reported as not applied.
    EXPECT_TRUE(
        inapplicableSettingNotes(s, {"IMAP_USELOCKS", "IMAP_PROXY", "IMAP_PROXY_FOREIGN"}).empty());
}

TEST(CourierSettings, ConfigReadsTheHonouredOnes) {
    ConfigSource s;
    s.set("IMAP_CAPABILITY=IMAP4rev1 IDLE");
    s.set("IMAP_CAPABILITY_TLS=IMAP4rev1 IDLE AUTH=PLAIN");
    s.set("IMAP_DISABLETHREADSORT=1");
    s.set("TLS_VERIFYPEER=requirepeer");
    s.set("TLS_TRUSTCERTS=/etc/ssl/certs/ca-certificates.crt");
    s.set("PIDFILE=/run/x.pid");
    s.set("authdaemonvar=/var/run/courier/authdaemon");
    s.set("IMAPACCESSFILE=/etc/courier/imapaccess");
    std::vector<std::string> unknown;
    auto c = buildConfig(s, unknown);
    EXPECT_TRUE(unknown.empty());
    ASSERT_TRUE(c.imap.capabilities);
    EXPECT_EQ(c.imap.capabilities->size(), 2u);
    EXPECT_EQ(c.imap.capabilitiesTls->size(), 3u);
    EXPECT_TRUE(c.imap.disableThreadSort);
    EXPECT_EQ(c.tlsVerifyPeer, "REQUIREPEER");
    EXPECT_EQ(c.pidFile, "/run/x.pid");
    EXPECT_EQ(c.accessFile, "/etc/courier/imapaccess");
    EXPECT_EQ(c.auth.authdaemon.socket, "/var/run/courier/authdaemon/socket");
    EXPECT_EQ(c.auth.order, std::vector<std::string>{"authdaemon"});  // authdaemonrc given
    ConfigSource noTrust;
    noTrust.set("TLS_VERIFYPEER=PEER");
    EXPECT_THROW(buildConfig(noTrust, unknown), ConfigError);
    ConfigSource bad;
    bad.set("TLS_VERIFYPEER=SOMETIMES");
    EXPECT_THROW(buildConfig(bad, unknown), ConfigError);
}

}  // namespace
}  // namespace maildex::core
