// MAILDEX_AUTH and the back ends' settings as the configuration reads them.

#include "core/auth/backend_list.h"

#include <gtest/gtest.h>

#include "core/server_config.h"

namespace maildex::core {
namespace {

ServerConfig build(std::initializer_list<std::string> sets) {
    ConfigSource source;
    for (const auto& s : sets)
        source.set(s);
    std::vector<std::string> unknown;
    auto c = buildConfig(source, unknown);
    EXPECT_TRUE(unknown.empty());
    return c;
}

TEST(BackendList, CommasOrBlanksInOrder) {
    EXPECT_EQ(auth::parseBackendList("authdaemon, passwd-file\tpam,checkpassword"),
              (std::vector<std::string>{"authdaemon", "passwd-file", "pam", "checkpassword"}));
    EXPECT_THROW(auth::parseBackendList("authdaemon,ldap"), ConfigError);
    EXPECT_THROW(auth::parseBackendList("pam pam"), ConfigError);
    EXPECT_THROW(auth::parseBackendList(" , "), ConfigError);
}

TEST(BackendList, PasswdFileByDefaultWhenThereIsAUserDatabase) {
    auto c = build({"MAILDEX_USERDB=/etc/maildex/users"});
    EXPECT_EQ(auth::effectiveOrder(c.auth), (std::vector<std::string>{"passwd-file"}));
    EXPECT_TRUE(auth::effectiveOrder(build({}).auth).empty());
    EXPECT_THROW(auth::makeBackends(build({}).auth), ConfigError);
    EXPECT_THROW(auth::makeBackends(build({"MAILDEX_AUTH=passwd-file"}).auth), ConfigError);
    EXPECT_THROW(auth::makeBackends(build({"MAILDEX_AUTH=checkpassword"}).auth), ConfigError);
}

TEST(BackendList, EachBackEndsSettings) {
    auto c =
        build({"MAILDEX_AUTH=authdaemon pam", "MAILDEX_AUTH_TIMEOUT=3",
               "MAILDEX_AUTHDAEMON_SOCKET=/tmp/s", "MAILDEX_AUTHDAEMON_CONNECTIONS=2",
               "MAILDEX_PAM_SERVICE=mail", "MAILDEX_LOWERCASE_USER=YES", "DEFDOMAIN=@Example.com"});
    EXPECT_EQ(c.auth.authdaemon.socket, "/tmp/s");
    EXPECT_EQ(c.auth.authdaemon.maxConnections, 2);
    EXPECT_EQ(c.auth.authdaemon.timeout, std::chrono::seconds(3));
    EXPECT_EQ(c.auth.pam.timeout, std::chrono::seconds(3));
    EXPECT_EQ(c.auth.pam.service, "mail");
    EXPECT_TRUE(c.auth.names.lowercase);
    EXPECT_EQ(c.auth.names.defaultDomain, "example.com");
    EXPECT_EQ(auth::makeBackends(c.auth).size(), 2u);
    EXPECT_EQ(build({}).auth.authdaemon.socket, "/run/courier/authdaemon/socket");
    EXPECT_THROW(build({"MAILDEX_STRIP_DOMAIN=YES", "DEFDOMAIN=example.com"}), ConfigError);
    EXPECT_THROW(build({"MAILDEX_CHECKPASSWORD=checkpw"}), ConfigError);
    EXPECT_EQ(build({"MAILDEX_CHECKPASSWORD=/bin/checkpw -v"}).auth.checkpassword.command,
              (std::vector<std::string>{"/bin/checkpw", "-v"}));
}

}  // namespace
}  // namespace maildex::core
