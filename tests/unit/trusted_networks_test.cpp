// core/trusted_networks and the proxy settings of core/server_config: addresses and
// prefixes of both families, dual-stack spellings, and a clear error for a bad entry.

#include "core/trusted_networks.h"

#include <gtest/gtest.h>

#include "core/server_config.h"

namespace maildex::core {
namespace {

TEST(TrustedNetworks, AddressesAndPrefixesOfBothFamilies) {
    auto t = TrustedNetworks::parse("127.0.0.1, 10.1.0.0/16\t2001:db8:5::/48 ::1,192.0.2.128/25");
    EXPECT_EQ(t.size(), 5u);
    EXPECT_TRUE(t.contains("127.0.0.1"));
    EXPECT_FALSE(t.contains("127.0.0.2"));
    EXPECT_TRUE(t.contains("10.1.255.7"));
    EXPECT_FALSE(t.contains("10.2.0.1"));
    EXPECT_TRUE(t.contains("2001:db8:5:ffff::1"));
    EXPECT_FALSE(t.contains("2001:db8:6::1"));
    EXPECT_TRUE(t.contains("::1"));
    EXPECT_TRUE(t.contains("192.0.2.200"));
    EXPECT_FALSE(t.contains("192.0.2.127"));
    // An IPv4 client of a dual-stack socket.
    EXPECT_TRUE(t.contains("::ffff:10.1.2.3"));
    EXPECT_FALSE(t.contains("::ffff:10.2.2.3"));
    // Not addresses at all.
    EXPECT_FALSE(t.contains(""));
    EXPECT_FALSE(t.contains("localhost"));
    EXPECT_FALSE(t.contains("10.1.0.0/16"));
}

TEST(TrustedNetworks, EmptyTrustsNobodyAndZeroPrefixTrustsAFamily) {
    EXPECT_TRUE(TrustedNetworks::parse("").empty());
    EXPECT_TRUE(TrustedNetworks::parse(" , ").empty());
    EXPECT_FALSE(TrustedNetworks::parse("").contains("127.0.0.1"));
    auto all4 = TrustedNetworks::parse("0.0.0.0/0");
    EXPECT_TRUE(all4.contains("203.0.113.9"));
    EXPECT_FALSE(all4.contains("2001:db8::1"));
    auto mapped = TrustedNetworks::parse("::ffff:10.0.0.0/104");
    EXPECT_TRUE(mapped.contains("10.9.9.9"));
    EXPECT_FALSE(mapped.contains("11.0.0.1"));
}

TEST(TrustedNetworks, ABadEntryIsNamed) {
    for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "host.example", "::1/129",
                            "10.0.0.1/-1", "10.0.0.1/8x", "1.2.3.4.5", "/8"}) {
        try {
            TrustedNetworks::parse(std::string("127.0.0.1 ") + bad);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const ConfigError& e) {
            std::string what = e.what();
            EXPECT_NE(what.find("MAILDEX_TRUSTED_NETWORKS"), std::string::npos) << what;
            EXPECT_NE(what.find(std::string("'") + bad + "'"), std::string::npos) << what;
        }
    }
}

TEST(TrustedNetworks, OneSpellingPerAddressAndLoopback) {
    EXPECT_EQ(canonicalAddress("192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(canonicalAddress("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(canonicalAddress("2001:DB8:0:0::7"), "2001:db8::7");
    EXPECT_EQ(canonicalAddress("not-an-address"), "");
    EXPECT_EQ(canonicalAddress(std::string("1.2.3.4\0", 8)), "");
    EXPECT_TRUE(isLoopbackAddress("127.0.0.1"));
    EXPECT_TRUE(isLoopbackAddress("127.9.9.9"));
    EXPECT_TRUE(isLoopbackAddress("::1"));
    EXPECT_TRUE(isLoopbackAddress("::ffff:127.0.0.1"));
    EXPECT_FALSE(isLoopbackAddress("128.0.0.1"));
    EXPECT_FALSE(isLoopbackAddress("::2"));
    EXPECT_FALSE(isLoopbackAddress(""));
}

ServerConfig configWith(std::initializer_list<const char*> assignments) {
    ConfigSource s;
    for (const char* a : assignments)
        s.set(a);
    std::vector<std::string> unknown;
    return buildConfig(s, unknown);
}

std::string errorOf(std::initializer_list<const char*> assignments) {
    try {
        configWith(assignments);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(ProxySettings, ListenersBackendAndTheirErrors) {
    auto c =
        configWith({"MAILDEX_TRUSTED_NETWORKS=10.0.0.0/8", "MAILDEX_PROXY_PROTOCOL=IMAPS, imap",
                    "MAILDEX_PROXY_BACKEND=[2001:db8::7]:1143"});
    EXPECT_TRUE(c.trustedNetworks.contains("10.3.3.3"));
    EXPECT_TRUE(c.proxyProtocolPlain);
    EXPECT_TRUE(c.proxyProtocolTls);
    EXPECT_EQ(c.proxyBackendHost, "2001:db8::7");
    EXPECT_EQ(c.proxyBackendPort, 1143);
    EXPECT_FALSE(c.proxyPlaintext);
    EXPECT_TRUE(configWith({"MAILDEX_PROXY_PLAINTEXT=YES"}).proxyPlaintext);
    auto d = configWith({"MAILDEX_TRUSTED_NETWORKS=10.0.0.0/8", "MAILDEX_PROXY_PROTOCOL=imap",
                         "MAILDEX_PROXY_BACKEND=192.0.2.7:143"});
    EXPECT_TRUE(d.proxyProtocolPlain);
    EXPECT_FALSE(d.proxyProtocolTls);
    EXPECT_EQ(d.proxyBackendHost, "192.0.2.7");
    auto none = configWith({});
    EXPECT_FALSE(none.proxyProtocolPlain || none.proxyProtocolTls);
    EXPECT_TRUE(none.trustedNetworks.empty());
    EXPECT_TRUE(none.proxyBackend.empty());

    EXPECT_NE(errorOf({"MAILDEX_TRUSTED_NETWORKS=10.0.0.0/8 nonsense"}).find("'nonsense'"),
              std::string::npos);
    EXPECT_NE(errorOf({"MAILDEX_PROXY_PROTOCOL=imap"}).find("needs MAILDEX_TRUSTED_NETWORKS"),
              std::string::npos);
    EXPECT_NE(errorOf({"MAILDEX_TRUSTED_NETWORKS=::1", "MAILDEX_PROXY_PROTOCOL=pop3"})
                  .find("MAILDEX_PROXY_PROTOCOL"),
              std::string::npos);
    for (const char* bad :
         {"MAILDEX_PROXY_BACKEND=mail.example:143", "MAILDEX_PROXY_BACKEND=192.0.2.7",
          "MAILDEX_PROXY_BACKEND=2001:db8::7:143", "MAILDEX_PROXY_BACKEND=192.0.2.7:0",
          "MAILDEX_PROXY_BACKEND=192.0.2.7:x"})
        EXPECT_NE(errorOf({bad}).find("MAILDEX_PROXY_BACKEND"), std::string::npos) << bad;
}

}  // namespace
}  // namespace maildex::core
