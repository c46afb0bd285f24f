// net/user_database: reading Dovecot passwd-files, verifying every scheme, login name
// forms, timing for unknown users, rereading a changed file, concurrent verification, and
// editing the file for the admin tool.

#include "net/user_database.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/log.h"
#include "tests/support/temp_maildir.h"

namespace maildex::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Known hashes of "correct horse battery staple", made once by other tools and pasted:
//   openssl passwd -6 -salt Ma1ldexSalt 'correct horse battery staple'   (OpenSSL 3.0)
constexpr const char* kSha512 =
    "$6$Ma1ldexSalt$n0A27KcAyMZ9JPEKz4wd2SbFHImsM2lZQ8TOoOEtCt7hpORJzYcX5IxsXlC/15MIbsuv3YSNoS5f"
    "V7ybzfABx0";
//   openssl passwd -5 -salt Ma1ldexSalt 'correct horse battery staple'
constexpr const char* kSha256 = "$5$Ma1ldexSalt$Sw1YuK9T67MvythNy29q1Ki0w0b13nbiEcxONo.FdJ3";
//   openssl passwd -1 -salt Ma1ldex 'correct horse battery staple'
constexpr const char* kMd5 = "$1$Ma1ldex$adDh.3u8bdnkv6iHn4DqD.";
//   python3 -c "import crypt; print(crypt.crypt('correct horse battery staple',
//               '\$y\$j9T\$F5Jx5fExrKuPp53xLKQ..1\$'))"   (Debian 12's libxcrypt)
constexpr const char* kYescrypt =
    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$y8e1eitiNDaQsFFW6d.9KbSTlk5zV3R3coZQtfcNAO5";
constexpr const char* kKnownPassword = "correct horse battery staple";
// The first test vector of Openwall's crypt_blowfish (password "U*U").
constexpr const char* kBcryptVector =
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

// A hash made here with libcrypt, for the schemes without a pasted one.
std::string cryptHash(const std::string& password, const char* prefix, unsigned long cost = 0) {
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting))
        throw std::runtime_error("gensalt");
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
    if (!out) throw std::runtime_error("crypt_rn");
    return out;
}

// Collects what the code logs, so tests can look for the warnings.
class LogCapture {
  public:
    LogCapture() {
        log::setSink([this](log::Level level, std::string_view m) {
            std::lock_guard lock(mu_);
            lines_.push_back((level == log::Level::Warn ? "warn: " : "other: ") + std::string(m));
        });
    }
    ~LogCapture() { log::setSink({}); }
    std::vector<std::string> lines() {
        std::lock_guard lock(mu_);
        return lines_;
    }
    std::size_t count(const std::string& needle) {
        auto l = lines();
        return static_cast<std::size_t>(std::count_if(
            l.begin(), l.end(), [&](const std::string& s) { return s.find(needle) != s.npos; }));
    }

  private:
    std::mutex mu_;
    std::vector<std::string> lines_;
};

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool contains(const std::vector<std::string>& v, const std::string& needle) {
    return std::any_of(v.begin(), v.end(),
                       [&](const std::string& s) { return s.find(needle) != s.npos; });
}

struct UserDbTest : ::testing::Test {
    test::TempMaildir tmp;
    fs::path file = tmp.root() / "users";
    std::string home = tmp.root().string();

    // Replaces the file the way editors and maildexctl do: a new inode renamed over it.
    void write(const std::string& text, mode_t mode = 0600) {
        auto t = fs::path(file.string() + ".new");
        {
            std::ofstream out(t, std::ios::binary | std::ios::trunc);
            out << text;
        }
        ::chmod(t.c_str(), mode);
        fs::rename(t, file);
    }
    UserDatabaseOptions instant() {
        UserDatabaseOptions o;
        o.recheckInterval = 0ms;
        return o;
    }
};

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

TEST_F(UserDbTest, MaildirPathOptionIsMaildirPath) {
    write("alice:{PLAIN}pw::::/home/alice\n");
    auto o = instant();
    o.maildirPath = "mail/Maildir";
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
    EXPECT_TRUE(db.verify("good", "pw", "127.0.0.1"));
    EXPECT_FALSE(db.verify("good", "other", "127.0.0.1"));
    EXPECT_TRUE(db.verify("last", "pw", "127.0.0.1"));
    EXPECT_FALSE(db.verify("locked", kKnownPassword, "127.0.0.1"));
    EXPECT_FALSE(db.verify("empty", "", "127.0.0.1"));
    EXPECT_FALSE(db.verify("brace", "", "127.0.0.1"));
    EXPECT_FALSE(db.verify("weird", "xyz", "127.0.0.1"));
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
        auto id = db.verify(c.name, pw, "192.0.2.1");
        ASSERT_TRUE(id) << c.name;
        EXPECT_EQ(id->user, c.name);
        EXPECT_EQ(id->maildir, tmp.path());
        EXPECT_FALSE(db.verify(c.name, pw + "x", "192.0.2.1")) << c.name;
        EXPECT_FALSE(db.verify(c.name, pw.substr(0, pw.size() - 1), "192.0.2.1")) << c.name;
        EXPECT_FALSE(db.verify(c.name, "", "192.0.2.1")) << c.name;
        // A NUL would end the C string libcrypt sees; it must not make a prefix match.
        EXPECT_FALSE(db.verify(c.name, pw + std::string("\0x", 2), "192.0.2.1")) << c.name;
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
        EXPECT_TRUE(db.verify(u, kKnownPassword, "::1")) << u;
        EXPECT_FALSE(db.verify(u, "Correct horse battery staple", "::1")) << u;
    }
    EXPECT_TRUE(db.verify("f", "U*U", "::1"));
    EXPECT_FALSE(db.verify("f", "U*V", "::1"));
}

TEST_F(UserDbTest, HashPasswordWritesWhatVerifies) {
    const std::string pw = "tr0ub4dor&3";
    auto yes = hashPassword(pw);
    auto sha = hashPassword(pw, HashScheme::Sha512Crypt);
    auto blf = hashPassword(pw, HashScheme::BlfCrypt);
    EXPECT_TRUE(yes.starts_with("{CRYPT}$y$j9T$")) << yes;
    EXPECT_TRUE(sha.starts_with("{SHA512-CRYPT}$6$")) << sha;
    EXPECT_TRUE(blf.starts_with("{BLF-CRYPT}$2b$10$")) << blf;
    EXPECT_TRUE(hashPassword(pw, HashScheme::BlfCrypt, 6).starts_with("{BLF-CRYPT}$2b$06$"));
    EXPECT_NE(hashPassword(pw), yes);  // a fresh salt each time
    write("y:" + yes + "::::" + home + "\ns:" + sha + "::::" + home + "\nb:" + blf + "::::" + home +
          "\n");
    UserDatabase db(file, instant());
    for (const char* u : {"y", "s", "b"}) {
        EXPECT_TRUE(db.verify(u, pw, "::1")) << u;
        EXPECT_FALSE(db.verify(u, "tr0ub4dor&4", "::1")) << u;
    }
    EXPECT_THROW(hashPassword(std::string("a\0b", 3)), UserDbError);
    EXPECT_THROW(hashPassword(std::string(600, 'x')), UserDbError);
}

TEST(HashScheme, Names) {
    EXPECT_EQ(parseHashScheme("yescrypt"), HashScheme::Yescrypt);
    EXPECT_EQ(parseHashScheme("CRYPT"), HashScheme::Yescrypt);
    EXPECT_EQ(parseHashScheme("sha512-crypt"), HashScheme::Sha512Crypt);
    EXPECT_EQ(parseHashScheme("BLF-CRYPT"), HashScheme::BlfCrypt);
    EXPECT_EQ(parseHashScheme("bcrypt"), HashScheme::BlfCrypt);
    EXPECT_FALSE(parseHashScheme("PLAIN"));
    EXPECT_FALSE(parseHashScheme("md5"));
}

// ---------------------------------------------------------------------------------------
// Login name forms.

TEST_F(UserDbTest, UserAtDomainMatchesWithTheDomainCaseInsensitive) {
    write("alice@Example.COM:{PLAIN}a::::" + home + "\nbob:{PLAIN}b::::" + home +
          "\nbob@example.com:{PLAIN}b2::::" + home + "\n");
    UserDatabase db(file, instant());
    auto id = db.verify("alice@example.com", "a", "::1");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->user, "alice@Example.COM");  // the name as the file writes it
    EXPECT_TRUE(db.verify("alice@EXAMPLE.com", "a", "::1"));
    EXPECT_FALSE(db.verify("Alice@example.com", "a", "::1"));  // the local part is exact
    EXPECT_FALSE(db.verify("alice", "a", "::1"));              // no DEFDOMAIN
    EXPECT_FALSE(db.verify("alice@example.org", "a", "::1"));
    EXPECT_TRUE(db.verify("bob", "b", "::1"));
    EXPECT_FALSE(db.verify("Bob", "b", "::1"));
    EXPECT_TRUE(db.verify("bob@Example.com", "b2", "::1"));
    EXPECT_FALSE(db.verify("bob@example.com", "b", "::1"));
}

TEST_F(UserDbTest, DefDomainIsAppendedToBareLogins) {
    write("carol@example.com:{PLAIN}c::::" + home + "\n" +  //
          "dave:{PLAIN}d::::" + home + "\n" +               //
          "erin:{PLAIN}bare::::" + home + "\n" +            //
          "erin@example.com:{PLAIN}qualified::::" + home + "\n");
    for (const char* defdomain : {"@example.com", "Example.COM"}) {
        auto o = instant();
        o.defaultDomain = defdomain;
        UserDatabase db(file, o);
        auto carol = db.verify("carol", "c", "::1");
        ASSERT_TRUE(carol) << defdomain;
        EXPECT_EQ(carol->user, "carol@example.com");
        EXPECT_TRUE(db.verify("carol@EXAMPLE.com", "c", "::1"));
        // The file lists dave without a domain: both forms find him in the default domain.
        EXPECT_TRUE(db.verify("dave", "d", "::1"));
        auto dave = db.verify("dave@example.com", "d", "::1");
        ASSERT_TRUE(dave);
        EXPECT_EQ(dave->user, "dave");
        EXPECT_FALSE(db.verify("dave@example.org", "d", "::1"));
        // Courier appends DEFDOMAIN first, so the qualified entry wins.
        EXPECT_TRUE(db.verify("erin", "qualified", "::1"));
        EXPECT_FALSE(db.verify("erin", "bare", "::1"));
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
                                 EXPECT_FALSE(db.verify(tries[i].first, tries[i].second, "::1"));
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

// ---------------------------------------------------------------------------------------
// Rereading.

TEST_F(UserDbTest, RereadsTheFileWhenItChanges) {
    write("alice:{PLAIN}one::::" + home + "\n");
    UserDatabase db(file, instant());
    EXPECT_TRUE(db.verify("alice", "one", "::1"));
    EXPECT_FALSE(db.verify("bob", "b", "::1"));
    write("alice:{PLAIN}two::::" + home + "\nbob:{PLAIN}b::::" + home + "\n");
    EXPECT_TRUE(db.verify("bob", "b", "::1"));
    EXPECT_TRUE(db.verify("alice", "two", "::1"));
    EXPECT_FALSE(db.verify("alice", "one", "::1"));
    EXPECT_EQ(db.userCount(), 2u);

    // Rewritten in place, same size, same inode: the mtime/ctime still tell.
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << "alice:{PLAIN}six::::" + home + "\nbob:{PLAIN}c::::" + home + "\n";
    }
    EXPECT_TRUE(db.verify("alice", "six", "::1"));
    EXPECT_TRUE(db.verify("bob", "c", "::1"));
}

TEST_F(UserDbTest, ChecksTheFileAtMostEveryRecheckInterval) {
    write("alice:{PLAIN}one::::" + home + "\n");
    UserDatabaseOptions o;
    o.recheckInterval = std::chrono::hours(1);
    UserDatabase db(file, o);
    write("alice:{PLAIN}two::::" + home + "\n");
    EXPECT_TRUE(db.verify("alice", "one", "::1"));  // not looked at yet
    EXPECT_TRUE(db.reload());
    EXPECT_TRUE(db.verify("alice", "two", "::1"));
}

TEST_F(UserDbTest, AFailedRereadKeepsTheOldDataAndWarnsOnce) {
    write("alice:{PLAIN}one::::" + home + "\n");
    LogCapture logs;
    UserDatabase db(file, instant());
    fs::remove(file);
    EXPECT_TRUE(db.verify("alice", "one", "::1"));
    EXPECT_TRUE(db.verify("alice", "one", "::1"));
    EXPECT_FALSE(db.reload());
    EXPECT_EQ(logs.count("warn: cannot stat user database"), 1u);
    fs::create_directory(file);  // not a regular file
    EXPECT_TRUE(db.verify("alice", "one", "::1"));
    EXPECT_EQ(logs.count("is not a regular file"), 1u);
    fs::remove(file);
    write("alice:{PLAIN}two::::" + home + "\n");
    EXPECT_TRUE(db.verify("alice", "two", "::1"));
    // A reread with a malformed line is refused as a whole, with file and line logged.
    write("alice:{PLAIN}three::::" + home + "\nbroken line\n");
    EXPECT_TRUE(db.verify("alice", "two", "::1"));
    EXPECT_FALSE(db.verify("alice", "three", "::1"));
    EXPECT_EQ(
        logs.count("other: user database reload failed, keeping the previous one (1 users): " +
                   file.string() + ":2: no ':'"),
        1u);
}

// ---------------------------------------------------------------------------------------
// A broken file does not lock everyone out.

TEST_F(UserDbTest, ABrokenRereadKeepsThePreviousUsers) {
    write("alice:{PLAIN}a::::" + home + "\nbob:{PLAIN}b::::" + home + "\n");
    LogCapture logs;
    UserDatabase db(file, instant());
    // Something that is not a passwd-file at all (a config file saved over it, say).
    write("[users]\nalice = a\nbob = b\n\ncarol:{PLAIN}c:x:y::" + home + "\n");
    EXPECT_TRUE(db.verify("alice", "a", "::1"));
    EXPECT_TRUE(db.verify("bob", "b", "::1"));
    EXPECT_FALSE(db.reload());
    EXPECT_EQ(db.userCount(), 2u);
    EXPECT_EQ(logs.count("user database reload failed, keeping the previous one (2 users): " +
                         file.string() + ":1: no ':'"),
              1u)
        << logs.lines().back();
    EXPECT_EQ(logs.count(file.string() + ":5: uid and gid must be numbers"), 1u);
    // Fixed: taken at once.
    write("alice:{PLAIN}a2::::" + home + "\ncarol:{PLAIN}c::::" + home + "\n");
    EXPECT_TRUE(db.verify("carol", "c", "::1"));
    EXPECT_TRUE(db.verify("alice", "a2", "::1"));
    EXPECT_FALSE(db.verify("bob", "b", "::1"));
}

TEST_F(UserDbTest, AnEmptyRereadKeepsThePreviousUsers) {
    write("alice:{PLAIN}a::::" + home + "\n");
    LogCapture logs;
    UserDatabase db(file, instant());
    write("");  // half-written, or truncated by mistake
    EXPECT_TRUE(db.verify("alice", "a", "::1"));
    EXPECT_EQ(logs.count(file.string() + " has no users in it"), 1u);
    write("# every user commented out\n#alice:{PLAIN}a::::" + home + "\n");
    EXPECT_TRUE(db.verify("alice", "a", "::1"));
    EXPECT_EQ(logs.count(file.string() + " has no users in it"), 1u);  // the same reason
    EXPECT_EQ(db.userCount(), 1u);
}

TEST_F(UserDbTest, AStrayLineFromTheStartDoesNotBlockLaterEdits) {
    write("alice:{PLAIN}a::::" + home + "\nthis line is not understood\n");
    UserDatabase db(file, instant());
    ASSERT_EQ(db.userCount(), 1u);
    // Edited with the stray line still there (moved down a line): taken.
    write("bob:{PLAIN}b::::" + home + "\nalice:{PLAIN}a::::" + home +
          "\nthis line is not understood\n");
    EXPECT_TRUE(db.verify("bob", "b", "::1"));
    // A new bad line is this edit's mistake: refused.
    write("bob:{PLAIN}b::::" + home + "\nalice:{PLAIN}a::::" + home +
          "\nthis line is not understood\ncarol{PLAIN}c\n");
    EXPECT_TRUE(db.verify("bob", "b", "::1"));
    EXPECT_EQ(db.userCount(), 2u);
}

// ---------------------------------------------------------------------------------------
// Concurrency (run under -DSANITIZE=thread too).

TEST_F(UserDbTest, ManyThreadsVerifyWhileTheFileChanges) {
    const std::string yes = cryptHash("y-pass", "$y$");
    const std::string sha = cryptHash("s-pass", "$6$");
    auto text = [&](int version) {
        return "# version " + std::to_string(version) + "\n" + "y:" + yes + "::::" + home + "\n" +
               "s:{SHA512-CRYPT}" + sha + "::::" + home + "\n" + "p:{PLAIN}p-pass::::" + home +
               "\n";
    };
    write(text(0));
    UserDatabase db(file, instant());
    std::atomic<bool> stop{false};
    std::atomic<int> mistakes{0};
    std::thread writer([&] {
        for (int v = 1; !stop; ++v) {
            write(text(v));
            std::this_thread::sleep_for(2ms);
        }
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < 6; ++t) {
        workers.emplace_back([&, t] {
            struct Try {
                const char* user;
                const char* password;
                bool ok;
            };
            const Try tries[] = {{"y", "y-pass", true}, {"y", "nope", false},
                                 {"s", "s-pass", true}, {"s", "y-pass", false},
                                 {"p", "p-pass", true}, {"p", "p-pas", false},
                                 {"x", "y-pass", false}};
            for (int i = 0; i < 14; ++i) {
                const auto& tr = tries[(i + t) % 7];
                if (db.verify(tr.user, tr.password, "::1").has_value() != tr.ok) ++mistakes;
                if (db.lookup(tr.user).has_value() != (tr.user[0] != 'x')) ++mistakes;
            }
        });
    }
    for (auto& w : workers)
        w.join();
    stop = true;
    writer.join();
    EXPECT_EQ(mistakes.load(), 0);
}

// ---------------------------------------------------------------------------------------
// Editing.

TEST(UserNames, RefusesWhatWouldBreakTheFile) {
    EXPECT_FALSE(checkUserName("alice"));
    EXPECT_FALSE(checkUserName("alice@example.com"));
    EXPECT_FALSE(checkUserName("jürgen.o'neil+tag"));
    struct Bad {
        std::string name, reason;
    };
    for (const auto& [name, reason] : std::vector<Bad>{
             {"", "empty"},
             {"a:b", "contains ':'"},
             {"a b", "whitespace"},
             {"a\tb", "control character"},
             {"a\nb", "control character"},
             {std::string("a\0b", 3), "control character"},
             {"a\x7f", "control character"},
             {"alice\u00a0", "whitespace"},
             {"al\u3000ice", "whitespace"},
             {"#alice", "comment"},
             {"@example.com", "'@'"},
             {"alice@", "'@'"},
             {std::string(300, 'a'), "longer than"},
         }) {
        auto why = checkUserName(name);
        ASSERT_TRUE(why) << name;
        EXPECT_NE(why->find(reason), std::string::npos) << *why;
    }
    // The message shows control characters escaped, not raw.
    EXPECT_NE(checkUserName("a\nb")->find("a\\x0ab"), std::string::npos);
}

TEST_F(UserDbTest, EditingKeepsCommentsUnknownLinesAndMode) {
    const std::string original =
        "# users for Maildex\n"
        "\n"
        "alice:{PLAIN}a:1:1:Alice:" +
        home + ":/bin/false:maildir=" + tmp.path().string() +
        "\n"
        "this line is not understood\n"
        "crlf:{PLAIN}c::::" +
        home +
        "\r\n"
        "#bob:{PLAIN}commented-out::::/home/bob\n"
        "zed:{PLAIN}z::::" +
        home;  // no final newline
    write(original, 0640);

    addUser(file, {.name = "bob@Example.org",
                   .passwordHash = hashPassword("bob-pw", HashScheme::Sha512Crypt),
                   .uid = "1002",
                   .gid = "1002",
                   .gecos = "Bob",
                   .home = "/home/bob",
                   .shell = "",
                   .extra = "userdb_mail=maildir:~/Maildir"});
    auto text = readFile(file);
    ASSERT_TRUE(text.starts_with(original + "\nbob@Example.org:{SHA512-CRYPT}$6$")) << text;
    EXPECT_TRUE(text.ends_with(":1002:1002:Bob:/home/bob::userdb_mail=maildir:~/Maildir\n"));
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_FALSE(fs::exists(file.string() + ".tmp"));

    UserDatabase db(file, instant());
    EXPECT_TRUE(db.verify("bob@example.org", "bob-pw", "::1"));

    setPassword(file, "alice", "{PLAIN}new-a");
    setPassword(file, "crlf", "{PLAIN}new-c");
    text = readFile(file);
    EXPECT_NE(text.find("\nalice:{PLAIN}new-a:1:1:Alice:" + home +
                        ":/bin/false:maildir=" + tmp.path().string() + "\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\ncrlf:{PLAIN}new-c::::" + home + "\r\n"), std::string::npos) << text;
    EXPECT_TRUE(db.verify("alice", "new-a", "::1"));
    EXPECT_FALSE(db.verify("alice", "a", "::1"));

    removeUser(file, "bob@EXAMPLE.org");
    removeUser(file, "zed");
    text = readFile(file);
    EXPECT_EQ(text.find("bob@Example.org"), std::string::npos);
    EXPECT_NE(text.find("#bob:{PLAIN}commented-out"), std::string::npos);
    EXPECT_NE(text.find("this line is not understood\n"), std::string::npos);
    EXPECT_EQ(text.find("zed"), std::string::npos);
    EXPECT_FALSE(db.verify("bob@example.org", "bob-pw", "::1"));
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);

    std::vector<std::string> warnings;
    auto users = listUsers(file, {}, &warnings);
    ASSERT_EQ(users.size(), 2u);
    EXPECT_EQ(users[0].name, "alice");
    EXPECT_EQ(users[0].scheme, "PLAIN");
    EXPECT_EQ(users[0].maildir, tmp.path());
    EXPECT_EQ(users[1].name, "crlf");
    EXPECT_TRUE(contains(warnings, "line 4: no ':'"));
}

TEST_F(UserDbTest, EditingRefusesWithAClearMessage) {
    write("alice:{PLAIN}a::::" + home + "\nbob@example.com:{PLAIN}b::::" + home + "\n");
    auto before = readFile(file);
    auto expectRefused = [&](auto f, const std::string& needle) {
        try {
            f();
            ADD_FAILURE() << "not refused: " << needle;
        } catch (const UserDbError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
        EXPECT_EQ(readFile(file), before);
    };
    NewUser u{.name = "carol", .passwordHash = "{PLAIN}c", .home = home};
    auto with = [&](auto change) {
        NewUser v = u;
        change(v);
        return [this, v] { addUser(file, v); };
    };
    expectRefused(with([](NewUser& v) { v.name = "alice"; }), "already exists");
    expectRefused(with([](NewUser& v) { v.name = "bob@EXAMPLE.com"; }), "already exists");
    expectRefused(with([](NewUser& v) { v.name = "car ol"; }), "whitespace");
    expectRefused(with([](NewUser& v) { v.name = "car:ol"; }), "contains ':'");
    expectRefused(with([](NewUser& v) { v.name = "car\nol"; }), "control character");
    expectRefused(with([](NewUser& v) { v.gecos = "Carol: the admin"; }), "gecos");
    expectRefused(with([](NewUser& v) { v.extra = "maildir=/x\nroot:{PLAIN}x"; }), "control");
    expectRefused(with([](NewUser& v) { v.home = ""; }), "no home directory");
    expectRefused(with([](NewUser& v) { v.home = "relative"; }), "not an absolute path");
    expectRefused(with([](NewUser& v) { v.uid = "root"; }), "uid and gid");
    expectRefused(with([](NewUser& v) { v.passwordHash = ""; }), "empty");
    expectRefused(with([](NewUser& v) { v.passwordHash = "{NOPE}x"; }), "not supported");
    expectRefused(with([](NewUser& v) { v.passwordHash = "{CRYPT}!locked"; }), "not usable");
    expectRefused([&] { setPassword(file, "nobody", "{PLAIN}x"); }, "is not in");
    expectRefused([&] { setPassword(file, "alice", "{PLAIN}x:y"); }, "':'");
    expectRefused([&] { removeUser(file, "nobody"); }, "is not in");
    expectRefused([&] { removeUser(file, "bad name"); }, "whitespace");
    EXPECT_THROW(setPassword(tmp.root() / "missing", "alice", "{PLAIN}x"), UserDbError);
}

TEST_F(UserDbTest, AddUserCreatesAPrivateFile) {
    auto fresh = tmp.root() / "new-users";
    addUser(fresh, {.name = "alice", .passwordHash = hashPassword("a"), .home = home});
    struct stat st {};
    ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_TRUE(UserDatabase(fresh, instant()).verify("alice", "a", "::1"));
}

TEST_F(UserDbTest, EditingASymlinkEditsItsTarget) {
    write("alice:{PLAIN}a::::" + home + "\n");
    auto link = tmp.root() / "users-link";
    fs::create_symlink(file, link);
    addUser(link, {.name = "bob", .passwordHash = "{PLAIN}b", .home = home});
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_NE(readFile(file).find("\nbob:{PLAIN}b:"), std::string::npos);
}

TEST_F(UserDbTest, KeepsTheOwnerWhenRunAsRoot) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file another owner";
    write("alice:{PLAIN}a::::" + home + "\n");
    ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
    addUser(file, {.name = "bob", .passwordHash = "{PLAIN}b", .home = home});
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 65534u);
}

TEST_F(UserDbTest, ConcurrentEditsDoNotLoseUsers) {
    write("# shared\n");
    std::vector<std::thread> editors;
    for (int t = 0; t < 4; ++t) {
        editors.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                addUser(file, {.name = "u" + std::to_string(t) + "-" + std::to_string(i),
                               .passwordHash = "{PLAIN}x",
                               .home = home});
            }
        });
    }
    for (auto& e : editors)
        e.join();
    auto users = listUsers(file);
    EXPECT_EQ(users.size(), 40u);
    EXPECT_TRUE(readFile(file).starts_with("# shared\n"));
}

}  // namespace
}  // namespace maildex::net
