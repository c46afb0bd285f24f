// net/config: Courier-style KEY=VALUE files, typed values, clear errors.

#include "net/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_maildir.h"

namespace maildex::net {
namespace {

TEST(Config, ShellQuotingAndExpansion) {
    std::map<std::string, std::string> vars{{"BASE", "IMAP4rev1 IDLE"}};
    EXPECT_EQ(parseShellValue("plain", vars), "plain");
    EXPECT_EQ(parseShellValue("\"two words\"", vars), "two words");
    EXPECT_EQ(parseShellValue("'$BASE kept'", vars), "$BASE kept");
    EXPECT_EQ(parseShellValue("\"$BASE AUTH=PLAIN\"", vars), "IMAP4rev1 IDLE AUTH=PLAIN");
    EXPECT_EQ(parseShellValue("${BASE}x", vars), "IMAP4rev1 IDLEx");
    EXPECT_EQ(parseShellValue("\"a\\\"b\"", vars), "a\"b");
    EXPECT_EQ(parseShellValue("value # a comment", vars), "value");
    EXPECT_THROW(parseShellValue("\"open", vars), ConfigError);
    EXPECT_THROW(parseShellValue("two words", vars), ConfigError);
}

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

TEST(Config, FileErrorsNameFileAndLine) {
    test::TempMaildir dir;
    auto f = dir.root() / "bad.conf";
    std::ofstream(f) << "PORT=143\nthis is not a setting\n";
    ConfigSource s;
    try {
        s.readFile(f);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.conf:2"), std::string::npos);
    }
    EXPECT_THROW(s.readFile(dir.root() / "missing.conf"), ConfigError);
}

}  // namespace
}  // namespace maildex::net
