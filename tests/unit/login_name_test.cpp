// core/auth/login_name: lower case, DEFDOMAIN, stripping the domain.

#include "core/auth/login_name.h"

#include <gtest/gtest.h>

namespace maildex::core::auth {
namespace {

TEST(LoginName, AsTypedByDefault) {
    EXPECT_EQ(normalizeLogin("Alice@Example.com", {}), "Alice@Example.com");
}

TEST(LoginName, LowercaseTouchesOnlyAsciiLetters) {
    LoginNameRules r;
    r.lowercase = true;
    EXPECT_EQ(normalizeLogin("Alice@Example.COM", r), "alice@example.com");
    EXPECT_EQ(normalizeLogin("J\xC3\x96RG", r), "j\xC3\x96rg");
}

TEST(LoginName, DefaultDomainOnlyForBareNames) {
    LoginNameRules r;
    r.defaultDomain = bareDomain("@Example.com");
    EXPECT_EQ(r.defaultDomain, "example.com");
    EXPECT_EQ(normalizeLogin("alice", r), "alice@example.com");
    EXPECT_EQ(normalizeLogin("alice@other.org", r), "alice@other.org");
    EXPECT_EQ(normalizeLogin("", r), "");
}

TEST(LoginName, StripDomain) {
    LoginNameRules r;
    r.stripDomain = true;
    EXPECT_EQ(normalizeLogin("alice@example.com", r), "alice");
    EXPECT_EQ(normalizeLogin("a@b@example.com", r), "a@b");
    EXPECT_EQ(normalizeLogin("@example.com", r), "@example.com");  // nothing left: as typed
    r.lowercase = true;
    EXPECT_EQ(normalizeLogin("Alice@Example.com", r), "alice");
}

}  // namespace
}  // namespace maildex::core::auth
