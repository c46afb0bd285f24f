// core/auth/authdaemon_protocol: requests as authdaemond reads them, and its answers (as
// Debian's courier-authdaemon 0.71 sent them to authuserdb logins) as accounts.

#include "core/auth/authdaemon_protocol.h"

#include <gtest/gtest.h>

namespace maildex::core::auth::authdaemon {
namespace {

TEST(AuthdaemonProtocol, AuthRequestCountsTheBytesAfterItsFirstLine) {
    EXPECT_EQ(authRequest("imap", "alice", "secret1"), "AUTH 25\nimap\nlogin\nalice\nsecret1\n");
    EXPECT_FALSE(authRequest("imap", "alice\nAUTH", "x"));
    EXPECT_FALSE(authRequest("imap", "alice", "pass\rword"));
    EXPECT_FALSE(authRequest("imap", "alice", std::string("a\0b", 3)));
}

constexpr std::string_view kAlice =
    "UID=1001\nGID=1001\nHOME=/home/alice\nADDRESS=alice@example.com\n"
    "MAILDIR=/home/alice/Maildir\nQUOTA=1000000S\nPASSWD=$6$salt$hash\nPASSWD2=secret1\n.\n";

TEST(AuthdaemonProtocol, AnAccountIsItsFieldsWithoutThePasswords) {
    auto r = parseReply(kAlice);
    ASSERT_EQ(r.kind, Reply::Kind::Account);
    EXPECT_EQ(r.fields.at("HOME"), "/home/alice");
    EXPECT_EQ(r.fields.count("PASSWD"), 0u);
    EXPECT_EQ(r.fields.count("PASSWD2"), 0u);
    EXPECT_EQ(parseReply("FAIL\n").kind, Reply::Kind::Fail);
    // Closed without a verdict, or cut off before the final ".".
    EXPECT_EQ(parseReply("").kind, Reply::Kind::Incomplete);
    EXPECT_EQ(parseReply("UID=1\nHOME=/h\n").kind, Reply::Kind::Incomplete);
    EXPECT_TRUE(parseReply("UID=1\nHOME=/h\n").fields.empty());
    EXPECT_EQ(parseReply("UID=1\nHOME=/h\n.").kind, Reply::Kind::Incomplete);
}

TEST(AuthdaemonProtocol, TheAccountBecomesTheIdentity) {
    auto r = toResult(parseReply(kAlice), "alice", {});
    ASSERT_EQ(r.verdict, AuthResult::Verdict::Accepted) << r.reason;
    EXPECT_EQ(r.identity.user, "alice@example.com");  // ADDRESS is the canonical name
    EXPECT_EQ(r.identity.maildir, "/home/alice/Maildir");
    EXPECT_EQ(r.identity.home, "/home/alice");
    EXPECT_EQ(r.identity.uid, 1001u);
    EXPECT_EQ(r.identity.gid, 1001u);
    EXPECT_EQ(r.identity.quota, "1000000S");
}

// Courier's OPTIONS may name several groups; each one counts for the ACLs.
TEST(AuthdaemonProtocol, EveryGroupInOptionsIsKept) {
    auto r = toResult(
        parseReply("HOME=/home/bob\nOPTIONS=group=staff,disablewebmail=1,group=sales\n.\n"), "bob",
        {});
    ASSERT_EQ(r.verdict, AuthResult::Verdict::Accepted) << r.reason;
    EXPECT_EQ(r.identity.groups, (std::vector<std::string>{"staff", "sales"}));
    EXPECT_EQ(optionValues("group=a,groupie=b,group=,x", "group"), (std::vector<std::string>{"a"}));
}

TEST(AuthdaemonProtocol, NoMaildirMeansHomeAndMaildirpath) {
    AccountDefaults d;
    d.maildirPath = "Mail/box";
    auto r = toResult(parseReply("HOME=/home/bob\n.\n"), "bob", d);
    ASSERT_EQ(r.verdict, AuthResult::Verdict::Accepted);
    EXPECT_EQ(r.identity.user, "bob");
    EXPECT_EQ(r.identity.maildir, "/home/bob/Mail/box");
    EXPECT_FALSE(r.identity.uid);
    r = toResult(parseReply("HOME=/home/bob\nMAILDIR=./Maildir\nMAILDIRQUOTA=5C\n.\n"), "bob", d);
    EXPECT_EQ(r.identity.maildir, "/home/bob/./Maildir");
    EXPECT_EQ(r.identity.quota, "5C");
    EXPECT_EQ(toResult(parseReply("NAME=x\n.\n"), "bob", d).verdict, AuthResult::Verdict::Refused);
    EXPECT_EQ(toResult(parseReply("HOME=relative\n.\n"), "bob", d).verdict,
              AuthResult::Verdict::Refused);
    EXPECT_EQ(toResult(parseReply("HOME=/h\nUID=x1\n.\n"), "bob", d).verdict,
              AuthResult::Verdict::Refused);
}

TEST(AuthdaemonProtocol, DisableimapRefusesAsCourierDoes) {
    auto r = toResult(parseReply("HOME=/h\nOPTIONS=wbnoimages=1,disableimap=1\n.\n"), "d", {});
    EXPECT_EQ(r.verdict, AuthResult::Verdict::Refused);
    EXPECT_NE(r.reason.find("disableimap"), std::string::npos);
    r = toResult(parseReply("HOME=/h\nOPTIONS=disableimap=0,disablepop3=1\n.\n"), "d", {});
    ASSERT_EQ(r.verdict, AuthResult::Verdict::Accepted);
    EXPECT_EQ(r.identity.options.at("disablepop3"), "1");
    EXPECT_TRUE(optionSet(parseOptions("disableimap=yes"), "disableimap"));
    EXPECT_FALSE(optionSet(parseOptions("disableimap="), "disableimap"));
}

}  // namespace
}  // namespace maildex::core::auth::authdaemon
