// core/auth/nginx_auth: Auth-User and Auth-Pass as nginx escapes them, and the Auth-Server
// address for a listener on one address or on all of them.

#include "core/auth/nginx_auth.h"

#include <gtest/gtest.h>

namespace maildex::core::auth {
namespace {

TEST(NginxAuth, DecodesWhatNginxEscapesAndNothingElse) {
    EXPECT_EQ(decodeNginxEscaped("alice"), "alice");
    EXPECT_EQ(decodeNginxEscaped("50%25%20off"), "50% off");
    EXPECT_EQ(decodeNginxEscaped("a+b"), "a+b");  // not a form: '+' is a plus
    EXPECT_EQ(decodeNginxEscaped("p%C3%A4ss%c3%a4"), "p\xc3\xa4ss\xc3\xa4");
    EXPECT_EQ(decodeNginxEscaped("%2541"), "%41");  // once, not twice
    EXPECT_EQ(decodeNginxEscaped(""), "");
    for (const char* bad : {"%", "a%", "a%4", "%zz", "%4g", "x%00y"})
        EXPECT_EQ(decodeNginxEscaped(bad), std::nullopt) << bad;
}

TEST(NginxAuth, AuthServerIsTheListenersAddressOrWhereTheRequestArrived) {
    EXPECT_EQ(authServerAddress("192.0.2.7", "127.0.0.1"), "192.0.2.7");
    EXPECT_EQ(authServerAddress("127.0.0.1", "10.0.0.5"), "127.0.0.1");
    EXPECT_EQ(authServerAddress("2001:DB8::7", "127.0.0.1"), "2001:db8::7");
    // Every address: never 127.0.0.1 for a request that came from elsewhere.
    for (const char* any : {"0", "0.0.0.0", "::", "[::]", ""}) {
        EXPECT_TRUE(isWildcardAddress(any)) << any;
        EXPECT_EQ(authServerAddress(any, "10.0.0.5"), "10.0.0.5") << any;
        EXPECT_EQ(authServerAddress(any, "::ffff:10.0.0.6"), "10.0.0.6") << any;
        EXPECT_EQ(authServerAddress(any, "2001:db8::9"), "2001:db8::9") << any;
    }
    EXPECT_FALSE(isWildcardAddress("127.0.0.1"));
}

}  // namespace
}  // namespace maildex::core::auth
