// core/config_file: Courier-style KEY=VALUE files, shell quoting, errors naming file and line.

#include "core/config_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_maildir.h"

namespace maildex::core {
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
}  // namespace maildex::core
