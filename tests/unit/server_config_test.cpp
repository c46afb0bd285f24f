// core/server_config: every setting from Courier-style files, typed values, clear errors.

#include "core/server_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_maildir.h"

namespace maildex::core {
namespace {

TEST(Config, ReadsCourierFilesAndLaterOnesWin) {
    test::TempMaildir dir;
    auto a = dir.root() / "imapd";
    auto b = dir.root() / "local.conf";
    std::ofstream(a) << "##NAME: ADDRESS:0\n# comment\nADDRESS=0\nPORT=143\nMAXPERIP=4\n"
                        "IMAP_CAPABILITY=\"IMAP4rev1 UIDPLUS CHILDREN\"\n"
                        "IMAP_CAPABILITY_TLS=\"$IMAP_CAPABILITY AUTH=PLAIN\"\nIMAPDSTART=YES\n";
    std::ofstream(b)
        << "MAXPERIP=50\nexport MAILDEX_WORKERS=3\nMAILDEX_EVENT_LOOPS=2\nFROBNICATE=1\n";
    ConfigSource source;
    source.readFile(a);
    source.readFile(b);
    source.set("PORT=1143");
    EXPECT_EQ(source.values().at("IMAP_CAPABILITY_TLS"), "IMAP4rev1 UIDPLUS CHILDREN AUTH=PLAIN");
    std::vector<std::string> unknown;
    auto c = buildConfig(source, unknown);
    EXPECT_EQ(c.port, 1143);
    EXPECT_EQ(c.maxPerIp, 50);
    EXPECT_EQ(c.workers, 3);
    EXPECT_EQ(c.eventLoops, 2);
    EXPECT_EQ(unknown, std::vector<std::string>{"FROBNICATE"});
}

TEST(Config, InvalidValuesNameTheKey) {
    auto error = [](const std::string& assignment) {
        ConfigSource s;
        s.set(assignment);
        std::vector<std::string> unknown;
        try {
            buildConfig(s, unknown);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(error("PORT=http").find("PORT"), std::string::npos);
    EXPECT_NE(error("PORT=70000").find("PORT"), std::string::npos);
    EXPECT_NE(error("MAXPERIP=0").find("MAXPERIP"), std::string::npos);
    EXPECT_NE(error("IMAPDSTARTTLS=maybe").find("IMAPDSTARTTLS"), std::string::npos);
    EXPECT_NE(error("IMAPDSSLSTART=YES").find("TLS_CERTFILE"), std::string::npos);
    EXPECT_NE(error("MAILDEX_LOG_LEVEL=loud").find("MAILDEX_LOG_LEVEL"), std::string::npos);
    EXPECT_EQ(error("MAILDEX_AUTOLOGOUT=1800"), "");
}

// Courier's init scripts start imapd only for IMAPDSTART=YES and imapd-ssl only for
// IMAPDSSLSTART=YES; Maildex listens by the same words.
TEST(Config, ImapdStartAndImapdSslStartAsCourierReadsThem) {
    auto build = [](std::initializer_list<std::string> sets) {
        ConfigSource s;
        for (const auto& a : sets)
            s.set(a);
        std::vector<std::string> unknown;
        auto c = buildConfig(s, unknown);
        EXPECT_EQ(unknown, std::vector<std::string>{});  // neither is "unknown"
        return c;
    };
    auto c = build({});
    EXPECT_TRUE(listensPlain(c));  // unset: Debian's YES
    EXPECT_FALSE(listensTls(c));   // unset: Courier's NO
    for (const char* yes : {"YES", "yes", "Yes"})
        EXPECT_TRUE(listensPlain(build({std::string("IMAPDSTART=") + yes})));
    c = build({"IMAPDSTART=NO", "IMAPDSSLSTART=YES", "TLS_CERTFILE=/etc/maildex/imapd.pem"});
    EXPECT_FALSE(listensPlain(c));
    EXPECT_TRUE(listensTls(c));
    c = build({"IMAPDSTART=no", "PORT=143", "IMAPDSSLSTART=yes", "TLS_CERTFILE=/x.pem"});
    EXPECT_FALSE(listensPlain(c));
    EXPECT_FALSE(listensPlain(
        build({"IMAPDSTART=YES", "PORT=0", "IMAPDSSLSTART=YES", "TLS_CERTFILE=/x.pem"})));

    auto error = [](std::initializer_list<std::string> sets) {
        ConfigSource s;
        for (const auto& a : sets)
            s.set(a);
        std::vector<std::string> unknown;
        try {
            buildConfig(s, unknown);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    // Values Courier would not take for YES, or that its two scripts read differently.
    for (const char* value : {"1", "TRUE", "Y", "on", ""}) {
        EXPECT_NE(
            error({std::string("IMAPDSTART=") + value}).find("IMAPDSTART: expected YES or NO"),
            std::string::npos)
            << value;
        EXPECT_NE(error({std::string("IMAPDSSLSTART=") + value, "TLS_CERTFILE=/x.pem"})
                      .find("IMAPDSSLSTART: expected YES or NO"),
                  std::string::npos)
            << value;
    }
    EXPECT_NE(error({"IMAPDSTART=NO"}).find("nothing to listen on"), std::string::npos);
    EXPECT_NE(error({"IMAPDSTART=NO", "IMAPDSSLSTART=YES", "TLS_CERTFILE=/x.pem", "SSLPORT=0"})
                  .find("nothing to listen on"),
              std::string::npos);
}

TEST(Config, CourierFilesAsDebianShipsThem) {
    // The keys of Debian's /etc/courier/imapd and imapd-ssl that decide what listens and
    // who may log in how, in their order (imapd-ssl is read after imapd).
    test::TempMaildir dir;
    auto imapd = dir.root() / "imapd";
    auto imapdSsl = dir.root() / "imapd-ssl";
    auto write = [&](const std::string& start, const std::string& sslStart,
                     const std::string& required) {
        std::ofstream(imapd) << "ADDRESS=0\nPORT=143\nMAXDAEMONS=40\nMAXPERIP=20\n"
                                "##NAME: IMAPDSTART:0\n#\n# IMAPDSTART is not used directly.\n"
                                "IMAPDSTART="
                             << start << "\nMAILDIRPATH=Maildir\n";
        std::ofstream(imapdSsl) << "SSLPORT=993\nSSLADDRESS=0\n"
                                   "SSLPIDFILE=/run/courier/imapd-ssl.pid\nIMAPDSSLSTART="
                                << sslStart << "\nIMAPDSTARTTLS=YES\nIMAP_TLS_REQUIRED=" << required
                                << "\nCOURIERTLS=/usr/bin/couriertls\n"
                                   "TLS_CERTFILE=/etc/courier/imapd.pem\n";
    };
    auto read = [&] {
        ConfigSource s;
        s.readFile(imapd);
        s.readFile(imapdSsl);
        std::vector<std::string> unknown;
        auto c = buildConfig(s, unknown);
        EXPECT_EQ(unknown, std::vector<std::string>{});
        return c;
    };
    write("YES", "YES", "0");  // Debian's files as shipped
    auto c = read();
    EXPECT_TRUE(listensPlain(c));
    EXPECT_TRUE(listensTls(c));
    EXPECT_TRUE(c.startTls);
    EXPECT_FALSE(c.tlsRequired);  // plain-text logins on 143, as Courier allows them
    EXPECT_TRUE(configWarnings(c).empty());

    write("NO", "YES", "0");  // IMAPS only: no port 143, so no plain-text logins at all
    c = read();
    EXPECT_FALSE(listensPlain(c));
    EXPECT_TRUE(listensTls(c));
    EXPECT_TRUE(configWarnings(c).empty());

    write("YES", "NO", "1");  // 143 only, STARTTLS required
    c = read();
    EXPECT_TRUE(listensPlain(c));
    EXPECT_FALSE(listensTls(c));
    EXPECT_TRUE(c.tlsRequired);
    EXPECT_TRUE(configWarnings(c).empty());
}

TEST(Config, TlsRequiredWithoutStartTlsIsWarnedAbout) {
    // Courier asks for STARTTLS only where it offers it; Maildex keeps refusing plain-text
    // logins there and says so.
    ConfigSource s;
    s.set("IMAPDSTARTTLS=NO");
    s.set("IMAP_TLS_REQUIRED=1");
    s.set("TLS_CERTFILE=/x.pem");
    std::vector<std::string> unknown;
    auto w = configWarnings(buildConfig(s, unknown));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("IMAP_TLS_REQUIRED=1 but port 143 offers no STARTTLS"), std::string::npos);
    EXPECT_NE(w[0].find("only loopback clients"), std::string::npos);
    ConfigSource noCert;
    EXPECT_EQ(configWarnings(buildConfig(noCert, unknown)).size(), 1u);
    ConfigSource notRequired;
    notRequired.set("IMAP_TLS_REQUIRED=0");
    EXPECT_TRUE(configWarnings(buildConfig(notRequired, unknown)).empty());
    ConfigSource notListening;
    notListening.set("IMAPDSTART=NO");
    notListening.set("IMAPDSSLSTART=YES");
    notListening.set("TLS_CERTFILE=/x.pem");
    EXPECT_TRUE(configWarnings(buildConfig(notListening, unknown)).empty());
}

TEST(Config, EtcMaildexConfDocumentsEveryKeyAndParses) {
    const std::string path = std::string(SOURCE_DIR) + "/etc/maildex.conf";
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& key : knownConfigKeys())
        EXPECT_NE(text.find("#" + key + "="), std::string::npos)
            << key << " is not documented in " << path;
    ConfigSource s;
    s.readFile(path);
    std::vector<std::string> unknown;
    EXPECT_NO_THROW(buildConfig(s, unknown));
}

TEST(Config, EmptyTrashInCourierForms) {
    using V = std::vector<std::pair<std::string, std::int64_t>>;
    EXPECT_EQ(parseEmptyTrash("Trash:7", "Trash"), (V{{"Trash", 7 * 86400}}));
    EXPECT_EQ(parseEmptyTrash("Trash:7, Junk:12h", "Trash"),
              (V{{"Trash", 7 * 86400}, {"Junk", 12 * 3600}}));
    EXPECT_EQ(parseEmptyTrash("14", "Deleted Items"), (V{{"Deleted Items", 14 * 86400}}));
    EXPECT_EQ(parseEmptyTrash("Trash:30s", "Trash"), (V{{"Trash", 30}}));
    EXPECT_THROW(parseEmptyTrash("Trash:soon", "Trash"), ConfigError);
    EXPECT_THROW(parseEmptyTrash("Trash:0", "Trash"), ConfigError);
}

}  // namespace
}  // namespace maildex::core
