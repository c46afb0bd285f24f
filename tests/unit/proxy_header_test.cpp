// core/proxy_header: PROXY protocol v1 and v2 as HAProxy's proxy-protocol.txt gives them,
// fed whole and at every split point; truncated, oversized, garbled, wrong family, LOCAL
// and UNKNOWN.

#include "core/proxy_header.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace maildex::core {
namespace {

using Status = ProxyParse::Status;

std::string v2(unsigned verCmd, unsigned famProto, const std::string& payload) {
    std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
    h += static_cast<char>(verCmd);
    h += static_cast<char>(famProto);
    h += static_cast<char>(payload.size() >> 8);
    h += static_cast<char>(payload.size() & 0xff);
    return h + payload;
}

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list)
        s += static_cast<char>(b);
    return s;
}

const std::string kInet = bytes({192, 0, 2, 7, 198, 51, 100, 1, 0xc4, 0x88, 0, 143});
const std::string kInet6 =
    bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    7,    0x20, 0x01,
           0x0d, 0xb8, 0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x03, 0xe1, 0x03, 0xe1});

// The whole header with the client's first bytes behind it, then every prefix: a prefix
// needs more, the whole is taken to its last byte and no further.
ProxyParse parseAtEverySplit(const std::string& header) {
    const std::string client = "a1 CAPABILITY\r\n";
    for (std::size_t i = 0; i < header.size(); ++i) {
        auto p = parseProxyHeader(std::string_view(header).substr(0, i));
        EXPECT_EQ(p.status, Status::NeedMore) << "prefix of " << i << " bytes: " << p.error;
    }
    auto p = parseProxyHeader(header + client);
    EXPECT_EQ(p.status, Status::Done) << p.error;
    EXPECT_EQ(p.consumed, header.size());
    return p;
}

TEST(ProxyHeader, Version1Tcp4AndTcp6) {
    auto p = parseAtEverySplit("PROXY TCP4 192.0.2.7 198.51.100.1 50312 143\r\n");
    EXPECT_EQ(p.header.version, 1);
    EXPECT_FALSE(p.header.local);
    EXPECT_EQ(p.header.sourceAddress, "192.0.2.7");
    EXPECT_EQ(p.header.sourcePort, 50312);
    EXPECT_EQ(p.header.destinationAddress, "198.51.100.1");
    EXPECT_EQ(p.header.destinationPort, 143);
    p = parseAtEverySplit("PROXY TCP6 2001:db8::7 2001:db8::1 65535 993\r\n");
    EXPECT_EQ(p.header.sourceAddress, "2001:db8::7");
    EXPECT_EQ(p.header.sourcePort, 65535);
    EXPECT_FALSE(p.header.clientTls);
}

TEST(ProxyHeader, Version1UnknownKeepsTheConnectionsAddresses) {
    for (const char* h :
         {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"}) {
        auto p = parseAtEverySplit(h);
        EXPECT_TRUE(p.header.local);
        EXPECT_TRUE(p.header.sourceAddress.empty());
    }
}

TEST(ProxyHeader, Version1LongestHeaderFitsAndOneByteMoreDoesNot) {
    // The spec's worst case: 107 bytes (UNKNOWN with IPv6 addresses), and TCP6's longest.
    std::string longest =
        "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "65535 65535\r\n";
    ASSERT_EQ(longest.size(), kProxyV1Max);
    EXPECT_TRUE(parseAtEverySplit(longest).header.local);
    auto tcp6 = parseAtEverySplit(
        "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "65535 65535\r\n");
    EXPECT_EQ(tcp6.header.sourceAddress, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    std::string tooLong = "PROXY UNKNOWN " + std::string(100, 'x') + "\r\n";
    EXPECT_EQ(parseProxyHeader(tooLong).status, Status::Invalid);
    // Never a CRLF: refused once 107 bytes have come, not waited for forever.
    std::string endless = "PROXY TCP4 " + std::string(200, '1');
    EXPECT_EQ(parseProxyHeader(endless.substr(0, 106)).status, Status::NeedMore);
    EXPECT_EQ(parseProxyHeader(endless.substr(0, 107)).status, Status::Invalid);
}

TEST(ProxyHeader, Version1Garbled) {
    for (const char* h : {"PROXY TCP4 192.0.2.7 198.51.100.1 50312\r\n",        // too few fields
                          "PROXY TCP4 192.0.2.7 198.51.100.1 50312 143 9\r\n",  // too many
                          "PROXY TCP4 2001:db8::7 198.51.100.1 50312 143\r\n",  // wrong family
                          "PROXY TCP6 192.0.2.7 2001:db8::1 50312 143\r\n",     // wrong family
                          "PROXY TCP4 192.0.2.256 198.51.100.1 50312 143\r\n",  // not an address
                          "PROXY TCP4 192.0.2.7 198.51.100.1 65536 143\r\n",    // port too large
                          "PROXY TCP4 192.0.2.7 198.51.100.1 -1 143\r\n",       // not a port
                          "PROXY TCP4 192.0.2.7 198.51.100.1 0143 143\r\n",     // leading zero
                          "PROXY TCP4  192.0.2.7 198.51.100.1 50312 143\r\n",   // two blanks
                          "PROXY UDP4 192.0.2.7 198.51.100.1 50312 143\r\n",    // not TCP
                          "PROXY TCP4 192.0.2.7 198.51.100.1 50312 143\n",      // bare LF
                          "PROXY TCP4 192.0.2.7\r198.51.100.1 50312 143\r\n",   // bare CR
                          "PROXY\r\n", "proxy TCP4 192.0.2.7 198.51.100.1 50312 143\r\n",
                          "a1 LOGIN alice secret\r\n", "GET / HTTP/1.0\r\n"}) {
        auto p = parseProxyHeader(h);
        EXPECT_EQ(p.status, Status::Invalid) << h;
        EXPECT_FALSE(p.error.empty());
    }
    std::string withNul("PROXY TCP4 192.0.2.7\0x 198.51.100.1 50312 143\r\n", 47);
    EXPECT_EQ(parseProxyHeader(withNul).status, Status::Invalid);
}

TEST(ProxyHeader, Version2InetAndInet6) {
    auto p = parseAtEverySplit(v2(0x21, 0x11, kInet));
    EXPECT_EQ(p.header.version, 2);
    EXPECT_FALSE(p.header.local);
    EXPECT_EQ(p.header.sourceAddress, "192.0.2.7");
    EXPECT_EQ(p.header.sourcePort, 50312);
    EXPECT_EQ(p.header.destinationAddress, "198.51.100.1");
    EXPECT_EQ(p.header.destinationPort, 143);
    p = parseAtEverySplit(v2(0x21, 0x21, kInet6));
    EXPECT_EQ(p.header.sourceAddress, "2001:db8::7");
    EXPECT_EQ(p.header.destinationAddress, "2001:db8::1");
    EXPECT_EQ(p.header.sourcePort, 993);
}

TEST(ProxyHeader, Version2LocalAndUnspecKeepTheConnectionsAddresses) {
    auto p = parseAtEverySplit(v2(0x20, 0x00, ""));
    EXPECT_TRUE(p.header.local);
    // LOCAL with an address block anyway: skipped, whatever it says.
    p = parseAtEverySplit(v2(0x20, 0x11, kInet));
    EXPECT_TRUE(p.header.local);
    EXPECT_TRUE(p.header.sourceAddress.empty());
    p = parseAtEverySplit(v2(0x21, 0x00, "xyz"));
    EXPECT_TRUE(p.header.local);
}

TEST(ProxyHeader, Version2TlvsAreSkippedAndTheSslOneRead) {
    // PP2_TYPE_ALPN, PP2_TYPE_NOOP, then PP2_TYPE_SSL: client PP2_CLIENT_SSL, verify 0,
    // a PP2_SUBTYPE_SSL_VERSION sub-TLV.
    std::string tlvs = bytes({0x01, 0, 2, 'h', '2', 0x04, 0, 0}) +
                       bytes({0x20, 0, 12, 0x01, 0, 0, 0, 0, 0x21, 0, 4}) + "TLS1";
    auto p = parseAtEverySplit(v2(0x21, 0x11, kInet + tlvs));
    EXPECT_TRUE(p.header.clientTls);
    EXPECT_EQ(p.header.sourceAddress, "192.0.2.7");
    // The SSL TLV without the client bit: the client did not use TLS.
    p = parseAtEverySplit(v2(0x21, 0x11, kInet + bytes({0x20, 0, 5, 0x00, 0, 0, 0, 0})));
    EXPECT_FALSE(p.header.clientTls);
    p = parseAtEverySplit(v2(0x21, 0x11, kInet + bytes({0x04, 0, 0})));
    EXPECT_FALSE(p.header.clientTls);
}

TEST(ProxyHeader, Version2Refusals) {
    std::vector<std::pair<std::string, std::string>> cases = {
        {"version 1 in a v2 preamble", v2(0x11, 0x11, kInet)},
        {"unknown command", v2(0x22, 0x11, kInet)},
        {"AF_UNIX", v2(0x21, 0x31, std::string(216, 'x'))},
        {"unknown family", v2(0x21, 0x41, kInet)},
        {"UDP", v2(0x21, 0x12, kInet)},
        {"protocol unspecified", v2(0x21, 0x10, kInet)},
        {"IPv4 block too short", v2(0x21, 0x11, kInet.substr(0, 11))},
        {"IPv6 block too short", v2(0x21, 0x21, kInet)},
        {"TLV header cut", v2(0x21, 0x11, kInet + bytes({0x04, 0}))},
        {"TLV value cut", v2(0x21, 0x11, kInet + bytes({0x04, 0, 5, 1, 2}))},
        {"too long", v2(0x21, 0x11, kInet + std::string(kProxyV2MaxPayload, '\0'))},
    };
    for (const auto& [what, header] : cases) {
        auto p = parseProxyHeader(header);
        EXPECT_EQ(p.status, Status::Invalid) << what;
        EXPECT_FALSE(p.error.empty()) << what;
    }
    // The longest accepted: exactly the bound.
    auto longest = v2(0x21, 0x11,
                      kInet + bytes({0x04, 0x03, 0xf1}) +
                          std::string(kProxyV2MaxPayload - kInet.size() - 3, '\0'));
    ASSERT_EQ(longest.size(), kProxyHeaderMax);
    EXPECT_EQ(parseProxyHeader(longest).status, Status::Done);
    // An oversized length is refused from the preamble alone, before its bytes arrive.
    std::string preamble = v2(0x21, 0x11, "").substr(0, 14) + bytes({0xff, 0xff});
    EXPECT_EQ(parseProxyHeader(preamble).status, Status::Invalid);
    // A signature that goes wrong midway.
    EXPECT_EQ(parseProxyHeader(std::string("\r\n\r\n\0\r\nQUIX\n", 12)).status, Status::Invalid);
    EXPECT_EQ(parseProxyHeader("\r\n\r\nX").status, Status::Invalid);
}

}  // namespace
}  // namespace maildex::core
