// core/auth/user_database: reading Dovecot passwd-files, verifying every scheme, login name
// forms, and timing for unknown users.

#include "core/auth/user_database.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "tests/support/user_database_fixture.h"

namespace maildex::core::auth {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------
// Reading the file.

TEST_F(UserDbTest, ParsesARealLookingFile) {
    write(
        "# Maildex users, Dovecot passwd-file format\n"
        "\n"
        "alice:{SHA512-CRYPT}" +
        std::string(kSha512) + ":1001:1001:Alice Liddell:/home/alice:/bin/false:\n" +
        "   \t\n"
        "bob:{PLAIN}hunter2:1002:1002::/home/bob::maildir=/srv/mail/bob quota_rule=*:storage=1G\n"
        "# a comment in the middle\n"
        "carol@example.org:{PLAIN}pw:::Carol:/srv/vmail/example.org/carol::"
        "userdb_mail=maildir:~/Mail:LAYOUT=fs nodelay\n"
        "dave:{PLAIN}pw:2000:2000::/home/dave\r\n"
        "erin:{PLAIN}pw::::/home/erin::maildir=Inbox.d\n"
        "frank:" +
        kYescrypt + "::::/home/frank");  // bare hash, no final newline
    LogCapture logs;
    UserDatabase db(file, instant());
    EXPECT_EQ(db.userCount(), 6u);
    // The one doubtful thing in it: Dovecot's LAYOUT=fs cannot change what is served.
    auto warnings = db.warnings();
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0],
              "line 7: user \"carol@example.org\": options after the Maildir path in userdb_mail= "
              "are ignored (the layout served is Maildir++)");

    auto alice = db.lookup("alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->scheme, "SHA512-CRYPT");
    EXPECT_EQ(alice->uid, "1001");
    EXPECT_EQ(alice->gecos, "Alice Liddell");
    EXPECT_EQ(alice->shell, "/bin/false");
    EXPECT_EQ(alice->maildir, fs::path("/home/alice/Maildir"));
    EXPECT_EQ(alice->line, 3u);

    auto bob = db.lookup("bob");
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->maildir, fs::path("/srv/mail/bob"));
    EXPECT_EQ(bob->extra, "maildir=/srv/mail/bob quota_rule=*:storage=1G");

    auto carol = db.lookup("carol@example.org");
    ASSERT_TRUE(carol);
    EXPECT_EQ(carol->maildir, fs::path("/srv/vmail/example.org/carol/Mail"));
    EXPECT_EQ(carol->gecos, "Carol");

    auto dave = db.lookup("dave");
    ASSERT_TRUE(dave);
    EXPECT_EQ(dave->home, "/home/dave");  // the CR of a CRLF line is not part of the field
    EXPECT_EQ(dave->maildir, fs::path("/home/dave/Maildir"));

    EXPECT_EQ(db.lookup("erin")->maildir, fs::path("/home/erin/Inbox.d"));
    EXPECT_EQ(db.lookup("frank")->scheme, "CRYPT");
    EXPECT_FALSE(db.lookup("nobody"));
    EXPECT_EQ(logs.count("6 users"), 1u);
}

TEST_F(UserDbTest, AnAcceptedLoginCarriesTheAccountsHomeUidAndGid) {
    write("alice:{PLAIN}a:1001:1002::" + home + "::maildir=" + tmp.path().string() + "\n" +
          "bob:{PLAIN}b::::" + home + "\n");
    UserDatabase db(file, instant());
    auto alice = db.authenticate("alice", "a", "::1");
    ASSERT_EQ(alice.verdict, AuthResult::Verdict::Accepted);
    EXPECT_EQ(alice.identity.user, "alice");
    EXPECT_EQ(alice.identity.maildir, tmp.path());
    EXPECT_EQ(alice.identity.home, fs::path(home));
    EXPECT_EQ(alice.identity.uid, 1001u);
    EXPECT_EQ(alice.identity.gid, 1002u);
    auto bob = db.authenticate("bob", "b", "::1");
    ASSERT_EQ(bob.verdict, AuthResult::Verdict::Accepted);
    EXPECT_FALSE(bob.identity.uid);  // empty fields name no identity
    EXPECT_FALSE(bob.identity.gid);
    EXPECT_EQ(db.authenticate("bob", "a", "::1").verdict, AuthResult::Verdict::Refused);
    EXPECT_EQ(db.authenticate("nobody", "a", "::1").verdict, AuthResult::Verdict::Refused);
    EXPECT_EQ(db.accountKey("bob"), "bob");
    EXPECT_EQ(db.accountKey("nobody"), std::nullopt);
}

// ACL entries "group=NAME" and "administrators" name the groups of the extra field
// "group=a,b" (core/acl/access.h).
TEST_F(UserDbTest, TheGroupExtraFieldGivesTheAclGroups) {
    write("alice:{PLAIN}a::::" + home + "::group=staff,administrators,,sales quota=5C\n" +
          "bob:{PLAIN}b::::" + home + "\n");
    UserDatabase db(file, instant());
    auto alice = db.authenticate("alice", "a", "::1");
    ASSERT_EQ(alice.verdict, AuthResult::Verdict::Accepted);
    EXPECT_EQ(alice.identity.groups,
              (std::vector<std::string>{"staff", "administrators", "sales"}));
    EXPECT_TRUE(db.authenticate("bob", "b", "::1").identity.groups.empty());
}

TEST_F(UserDbTest, MaildirPathOptionIsMaildirPath) {
    write("alice:{PLAIN}pw::::/home/alice\n");
    auto o = instant();
    o.accounts.maildirPath = "mail/Maildir";
    UserDatabase db(file, o);
    EXPECT_EQ(db.lookup("alice")->maildir, fs::path("/home/alice/mail/Maildir"));
}

TEST_F(UserDbTest, MalformedLinesAreWarnedAboutWithTheirNumbersAndSkipped) {
    write(
        "# header\n"
        "good:{PLAIN}pw::::/home/good\n"
        "no colon at all\n"                                // 3
        "baduid:{PLAIN}pw:x1:1::/home/b\n"                 // 4
        "relhome:{PLAIN}pw:1:1::home/relhome\n"            // 5
        "nohome:{PLAIN}pw\n"                               // 6
        "good:{PLAIN}other::::/home/good2\n"               // 7: duplicate
        "has space:{PLAIN}pw::::/home/x\n"                 // 8
        "mbox:{PLAIN}pw::::/home/m::mail=mbox:~/mail\n"    // 9
        "relmd:{PLAIN}pw::::::maildir=Maildir\n"           // 10
        "weird:{ARGON2ID}$argon2id$v=19$xyz::::/home/w\n"  // 11: kept, cannot log in
        "locked:{SHA512-CRYPT}!" +
        std::string(kSha512) + "::::/home/l\n" +  // 12: kept, cannot log in
        "empty:::::/home/e\n"                     // 13: kept, cannot log in
        "brace:{PLAIN::::/home/b\n"               // 14: kept, cannot log in
        "last:{PLAIN}pw::::/home/last\n");
    UserDatabase db(file, instant());
    auto w = db.warnings();
    for (int line : {3, 4, 5, 6, 7, 8, 9, 10})
        EXPECT_TRUE(contains(w, "line " + std::to_string(line) + ": ")) << line;
    EXPECT_TRUE(contains(w, "line 7: user \"good\" already defined on line 2"));
    EXPECT_TRUE(contains(w, "line 8: user name \"has space\" contains whitespace"));
    EXPECT_TRUE(contains(w, "line 11: user \"weird\": password scheme {ARGON2ID} is not"));
    EXPECT_TRUE(contains(w, "line 12: user \"locked\""));
    EXPECT_TRUE(contains(w, "line 13: user \"empty\": empty password field"));
    EXPECT_TRUE(contains(w, "line 14: user \"brace\""));
    EXPECT_FALSE(contains(w, "line 15"));
    EXPECT_EQ(db.userCount(), 6u);  // good, weird, locked, empty, brace, last
    EXPECT_EQ(db.lookup("good")->home, "/home/good");
    EXPECT_TRUE(verify(db, "good", "pw", "127.0.0.1"));
    EXPECT_FALSE(verify(db, "good", "other", "127.0.0.1"));
    EXPECT_TRUE(verify(db, "last", "pw", "127.0.0.1"));
    EXPECT_FALSE(verify(db, "locked", kKnownPassword, "127.0.0.1"));
    EXPECT_FALSE(verify(db, "empty", "", "127.0.0.1"));
    EXPECT_FALSE(verify(db, "brace", "", "127.0.0.1"));
    EXPECT_FALSE(verify(db, "weird", "xyz", "127.0.0.1"));
    for (const char* gone : {"baduid", "relhome", "nohome", "mbox", "relmd"})
        EXPECT_FALSE(db.lookup(gone)) << gone;
}

TEST_F(UserDbTest, WarnsAboutAWorldReadableFile) {
    write("a:{PLAIN}pw::::/home/a\n", 0644);
    UserDatabase db(file, instant());
    EXPECT_TRUE(contains(db.warnings(), "readable by every local user"));
}

TEST_F(UserDbTest, AMissingFileStopsTheStart) {
    try {
        UserDatabase db(tmp.root() / "nope", instant());
        FAIL() << "no exception";
    } catch (const UserDbError& e) {
        EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
    }
}

// ---------------------------------------------------------------------------------------
// Schemes.

TEST_F(UserDbTest, EverySchemeVerifiesTheRightPasswordAndOnlyIt) {
    struct Case {
        std::string name, field;
    };
    const std::string pw = "S3cret pass, with spaces & ünïcode";
    std::vector<Case> cases = {
        {"yes-braced", "{CRYPT}" + cryptHash(pw, "$y$")},
        {"yes-bare", cryptHash(pw, "$y$")},
        {"sha512", "{SHA512-CRYPT}" + cryptHash(pw, "$6$")},
        {"sha512-rounds", "{sha512-crypt}" + cryptHash(pw, "$6$", 10000)},
        {"sha256", "{SHA256-CRYPT}" + cryptHash(pw, "$5$")},
        {"bcrypt", "{BLF-CRYPT}" + cryptHash(pw, "$2b$", 5)},
        {"md5", "{MD5-CRYPT}" + cryptHash(pw, "$1$")},
        {"md5-alias", "{MD5}" + cryptHash(pw, "$1$")},
        {"plain", "{PLAIN}" + pw},
        {"clear", "{CLEARTEXT}" + pw},
    };
    std::string text;
    for (const auto& c : cases)
        text += c.name + ":" + c.field + "::::" + home + "\n";
    write(text);
    UserDatabase db(file, instant());
    for (const auto& c : cases) {
        auto id = verify(db, c.name, pw, "192.0.2.1");
        ASSERT_TRUE(id) << c.name;
        EXPECT_EQ(id->user, c.name);
        EXPECT_EQ(id->maildir, tmp.path());
        EXPECT_FALSE(verify(db, c.name, pw + "x", "192.0.2.1")) << c.name;
        EXPECT_FALSE(verify(db, c.name, pw.substr(0, pw.size() - 1), "192.0.2.1")) << c.name;
        EXPECT_FALSE(verify(db, c.name, "", "192.0.2.1")) << c.name;
        // A NUL would end the C string libcrypt sees; it must not make a prefix match.
        EXPECT_FALSE(verify(db, c.name, pw + std::string("\0x", 2), "192.0.2.1")) << c.name;
    }
}

TEST_F(UserDbTest, KnownHashesFromOtherTools) {
    write(std::string("a:{SHA512-CRYPT}") + kSha512 + "::::" + home + "\n" + "b:{SHA256-CRYPT}" +
          kSha256 + "::::" + home + "\n" +                  //
          "c:{MD5-CRYPT}" + kMd5 + "::::" + home + "\n" +   //
          "d:{CRYPT}" + kYescrypt + "::::" + home + "\n" +  //
          "e:" + kYescrypt + "::::" + home + "\n" +         //
          "f:{BLF-CRYPT}" + kBcryptVector + "::::" + home + "\n");
    UserDatabase db(file, instant());
    for (const char* u : {"a", "b", "c", "d", "e"}) {
        EXPECT_TRUE(verify(db, u, kKnownPassword, "::1")) << u;
        EXPECT_FALSE(verify(db, u, "Correct horse battery staple", "::1")) << u;
    }
    EXPECT_TRUE(verify(db, "f", "U*U", "::1"));
    EXPECT_FALSE(verify(db, "f", "U*V", "::1"));
}

// ---------------------------------------------------------------------------------------
// Login name forms.

TEST_F(UserDbTest, UserAtDomainMatchesWithTheDomainCaseInsensitive) {
    write("alice@Example.COM:{PLAIN}a::::" + home + "\nbob:{PLAIN}b::::" + home +
          "\nbob@example.com:{PLAIN}b2::::" + home + "\n");
    UserDatabase db(file, instant());
    auto id = verify(db, "alice@example.com", "a", "::1");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->user, "alice@Example.COM");  // the name as the file writes it
    EXPECT_TRUE(verify(db, "alice@EXAMPLE.com", "a", "::1"));
    EXPECT_FALSE(verify(db, "Alice@example.com", "a", "::1"));  // the local part is exact
    EXPECT_FALSE(verify(db, "alice", "a", "::1"));              // no DEFDOMAIN
    EXPECT_FALSE(verify(db, "alice@example.org", "a", "::1"));
    EXPECT_TRUE(verify(db, "bob", "b", "::1"));
    EXPECT_FALSE(verify(db, "Bob", "b", "::1"));
    EXPECT_TRUE(verify(db, "bob@Example.com", "b2", "::1"));
    EXPECT_FALSE(verify(db, "bob@example.com", "b", "::1"));
}

TEST_F(UserDbTest, DefDomainIsAppendedToBareLogins) {
    write("carol@example.com:{PLAIN}c::::" + home + "\n" +  //
          "dave:{PLAIN}d::::" + home + "\n" +               //
          "erin:{PLAIN}bare::::" + home + "\n" +            //
          "erin@example.com:{PLAIN}qualified::::" + home + "\n");
    for (const char* defdomain : {"@example.com", "Example.COM"}) {
        auto o = instant();
        o.accounts.defaultDomain = defdomain;
        UserDatabase db(file, o);
        auto carol = verify(db, "carol", "c", "::1");
        ASSERT_TRUE(carol) << defdomain;
        EXPECT_EQ(carol->user, "carol@example.com");
        EXPECT_TRUE(verify(db, "carol@EXAMPLE.com", "c", "::1"));
        // The file lists dave without a domain: both forms find him in the default domain.
        EXPECT_TRUE(verify(db, "dave", "d", "::1"));
        auto dave = verify(db, "dave@example.com", "d", "::1");
        ASSERT_TRUE(dave);
        EXPECT_EQ(dave->user, "dave");
        EXPECT_FALSE(verify(db, "dave@example.org", "d", "::1"));
        // Courier appends DEFDOMAIN first, so the qualified entry wins.
        EXPECT_TRUE(verify(db, "erin", "qualified", "::1"));
        EXPECT_FALSE(verify(db, "erin", "bare", "::1"));
    }
}

// ---------------------------------------------------------------------------------------
// Timing.

using Millis = std::chrono::duration<double, std::milli>;

Millis timeOf(const std::function<void()>& f) {
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::steady_clock::now() - start;
}

TEST_F(UserDbTest, UnknownUsersCostWhatTheCommonHashCosts) {
    // Mostly bcrypt at cost 10 (slower than yescrypt's default here), one yescrypt user, and
    // users that exist but cannot log in: all of the latter must take about the bcrypt time.
    const std::string pw = "pw";
    auto line = [&](const std::string& user, const std::string& field) {
        return user + ":" + field + "::::" + home + "\n";
    };
    write(line("b1", "{BLF-CRYPT}" + cryptHash(pw, "$2b$", 10)) +
          line("b2", "{BLF-CRYPT}" + cryptHash(pw, "$2b$", 10)) +
          line("b3", "{BLF-CRYPT}" + cryptHash(pw, "$2b$", 10)) + line("y1", cryptHash(pw, "$y$")) +
          line("locked", "!" + cryptHash(pw, "$2b$", 10)) + line("nopass", ""));
    UserDatabase db(file, instant());
    const std::vector<std::pair<std::string, std::string>> tries = {
        {"b1", "wrong"}, {"y1", "wrong"}, {"nobody", "wrong"}, {"locked", "pw"}, {"nopass", ""}};
    // Rounds over all kinds, keeping each kind's fastest run: other tests running on the
    // same cores slow down whole stretches of time, and this way every kind gets its share
    // of undisturbed moments. A whole measurement is repeated (up to three times) when the
    // machine was too busy; a real leak (no dummy work, or a dummy of the wrong cost) fails
    // every time.
    auto within = [](double ratio) { return ratio > 0.55 && ratio < 2.0; };
    std::vector<Millis> best;
    for (int attempt = 0; attempt < 3; ++attempt) {
        best.assign(tries.size(), Millis{1e9});
        for (int round = 0; round < 7; ++round) {
            for (std::size_t i = 0; i < tries.size(); ++i) {
                best[i] =
                    std::min(best[i], timeOf([&] {
                                 EXPECT_FALSE(verify(db, tries[i].first, tries[i].second, "::1"));
                             }));
            }
        }
        std::cout << "fastest of 7: bcrypt(10) " << best[0].count() << " ms, yescrypt "
                  << best[1].count() << " ms, unknown user " << best[2].count() << " ms, locked "
                  << best[3].count() << " ms, no password " << best[4].count() << " ms\n";
        if (within(best[2] / best[0]) && within(best[3] / best[0]) && within(best[4] / best[0]))
            break;
    }
    // Wide bounds for busy machines; yescrypt's time (about a third of bcrypt's) is outside.
    for (std::size_t i = 2; i < tries.size(); ++i)
        EXPECT_TRUE(within(best[i] / best[0])) << tries[i].first << " took " << best[i].count()
                                               << " ms, a known user " << best[0].count() << " ms";
}

}  // namespace
}  // namespace maildex::core::auth
