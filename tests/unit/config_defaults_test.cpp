// etc/maildex.conf shows each key's real default, and --check-config's listing says where
// each value came from (core/server_config.h: defaultConfigValues, effectiveSettings).

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "core/server_config.h"

namespace maildex::core {
namespace {

// YES/1/TRUE and NO/0/FALSE say the same to the boolean keys.
std::string normalized(std::string v) {
    if (v == "1" || v == "TRUE") return "YES";
    if (v == "0" || v == "FALSE") return "NO";
    return v;
}

TEST(ConfigDefaults, EtcMaildexConfShowsEachKeysRealDefaultOnce) {
    const std::string path = std::string(SOURCE_DIR) + "/etc/maildex.conf";
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    const auto defaults = defaultConfigValues();
    std::map<std::string, int> shown;
    const std::regex commented("^#([A-Za-z][A-Za-z0-9_]*)=(.*)$");
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_match(line, m, commented)) continue;
        auto it = defaults.find(m[1]);
        ASSERT_NE(it, defaults.end()) << "etc/maildex.conf shows an unknown key: " << line;
        ++shown[m[1]];
        EXPECT_EQ(normalized(m[2]), normalized(it->second))
            << "etc/maildex.conf: " << line << " is not the default";
    }
    for (const auto& [key, value] : defaults)
        EXPECT_EQ(shown[key], 1) << key << " should be shown once, as #" << key << "=" << value;
    // The one key with no default says so, rather than show an example as if it were one.
    EXPECT_EQ(defaults.at("MAILDEX_USERDB"), "");
    EXPECT_EQ(defaults.at("PORT"), "143");
    EXPECT_EQ(defaults.at("MAILDEX_LOG_LEVEL"), "info");
    EXPECT_EQ(defaults.at("IMAPDSSLSTART"), "NO");
}

TEST(ConfigDefaults, EffectiveSettingsSayWhereEachValueCameFrom) {
    auto dir = std::filesystem::temp_directory_path() / "maildex-config-origin-test";
    std::filesystem::create_directories(dir);
    auto file = dir / "maildex.conf";
    std::ofstream(file) << "# comment\nPORT=1143\n\nMAXPERIP=5\n";
    ConfigSource s;
    s.readFile(file);
    s.set("MAXPERIP=7");
    ::setenv("MAILDEX_INDEX_DIR", "/var/lib/maildex", 1);
    s.setFromEnvironment("MAILDEX_INDEX_DIR");
    ::unsetenv("MAILDEX_INDEX_DIR");
    s.setFromEnvironment("MAILDEX_INDEX_DIR");  // unset: changes nothing
    std::map<std::string, EffectiveSetting> by;
    for (const auto& e : effectiveSettings(s))
        by[e.key] = e;
    EXPECT_EQ(by["PORT"].value, "1143");
    EXPECT_EQ(by["PORT"].origin, file.string() + ":2");
    EXPECT_EQ(by["MAXPERIP"].value, "7");
    EXPECT_EQ(by["MAXPERIP"].origin, "--set");
    EXPECT_EQ(by["MAILDEX_INDEX_DIR"].value, "/var/lib/maildex");
    EXPECT_EQ(by["MAILDEX_INDEX_DIR"].origin, "environment");
    EXPECT_EQ(by["SSLPORT"].value, "993");
    EXPECT_EQ(by["SSLPORT"].origin, "default");
    EXPECT_EQ(by.size(), knownConfigKeys().size());
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace maildex::core
