// core/auth/user_database: what the admin tool does with the file: hashing new passwords,
// checking user names, and editing the file in place (comments, mode, owner, symlinks,
// concurrent editors).

#include "core/auth/user_database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/support/user_database_fixture.h"

namespace maildex::core::auth {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------
// Hashing new passwords.

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
        EXPECT_TRUE(verify(db, u, pw, "::1")) << u;
        EXPECT_FALSE(verify(db, u, "tr0ub4dor&4", "::1")) << u;
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
    EXPECT_TRUE(verify(db, "bob@example.org", "bob-pw", "::1"));

    setPassword(file, "alice", "{PLAIN}new-a");
    setPassword(file, "crlf", "{PLAIN}new-c");
    text = readFile(file);
    EXPECT_NE(text.find("\nalice:{PLAIN}new-a:1:1:Alice:" + home +
                        ":/bin/false:maildir=" + tmp.path().string() + "\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\ncrlf:{PLAIN}new-c::::" + home + "\r\n"), std::string::npos) << text;
    EXPECT_TRUE(verify(db, "alice", "new-a", "::1"));
    EXPECT_FALSE(verify(db, "alice", "a", "::1"));

    removeUser(file, "bob@EXAMPLE.org");
    removeUser(file, "zed");
    text = readFile(file);
    EXPECT_EQ(text.find("bob@Example.org"), std::string::npos);
    EXPECT_NE(text.find("#bob:{PLAIN}commented-out"), std::string::npos);
    EXPECT_NE(text.find("this line is not understood\n"), std::string::npos);
    EXPECT_EQ(text.find("zed"), std::string::npos);
    EXPECT_FALSE(verify(db, "bob@example.org", "bob-pw", "::1"));
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
    UserDatabase db(fresh, instant());
    EXPECT_TRUE(verify(db, "alice", "a", "::1"));
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
}  // namespace maildex::core::auth
