// core/auth/user_database: rereading a changed file (all or nothing), and verifying from
// many threads while the file changes.

#include "core/auth/user_database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/user_database_fixture.h"

namespace maildex::core::auth {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------
// Rereading.

TEST_F(UserDbTest, RereadsTheFileWhenItChanges) {
    write("alice:{PLAIN}one::::" + home + "\n");
    UserDatabase db(file, instant());
    EXPECT_TRUE(verify(db, "alice", "one", "::1"));
    EXPECT_FALSE(verify(db, "bob", "b", "::1"));
    write("alice:{PLAIN}two::::" + home + "\nbob:{PLAIN}b::::" + home + "\n");
    EXPECT_TRUE(verify(db, "bob", "b", "::1"));
    EXPECT_TRUE(verify(db, "alice", "two", "::1"));
    EXPECT_FALSE(verify(db, "alice", "one", "::1"));
    EXPECT_EQ(db.userCount(), 2u);

    // Rewritten in place, same size, same inode: the mtime/ctime still tell.
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << "alice:{PLAIN}six::::" + home + "\nbob:{PLAIN}c::::" + home + "\n";
    }
    EXPECT_TRUE(verify(db, "alice", "six", "::1"));
    EXPECT_TRUE(verify(db, "bob", "c", "::1"));
}

TEST_F(UserDbTest, ChecksTheFileAtMostEveryRecheckInterval) {
    write("alice:{PLAIN}one::::" + home + "\n");
    UserDatabaseOptions o;
    o.recheckInterval = std::chrono::hours(1);
    UserDatabase db(file, o);
    write("alice:{PLAIN}two::::" + home + "\n");
    EXPECT_TRUE(verify(db, "alice", "one", "::1"));  // not looked at yet
    EXPECT_TRUE(db.reload());
    EXPECT_TRUE(verify(db, "alice", "two", "::1"));
}

TEST_F(UserDbTest, AFailedRereadKeepsTheOldDataAndWarnsOnce) {
    write("alice:{PLAIN}one::::" + home + "\n");
    LogCapture logs;
    UserDatabase db(file, instant());
    fs::remove(file);
    EXPECT_TRUE(verify(db, "alice", "one", "::1"));
    EXPECT_TRUE(verify(db, "alice", "one", "::1"));
    EXPECT_FALSE(db.reload());
    EXPECT_EQ(logs.count("warn: cannot stat user database"), 1u);
    fs::create_directory(file);  // not a regular file
    EXPECT_TRUE(verify(db, "alice", "one", "::1"));
    EXPECT_EQ(logs.count("is not a regular file"), 1u);
    fs::remove(file);
    write("alice:{PLAIN}two::::" + home + "\n");
    EXPECT_TRUE(verify(db, "alice", "two", "::1"));
    // A reread with a malformed line is refused as a whole, with file and line logged.
    write("alice:{PLAIN}three::::" + home + "\nbroken line\n");
    EXPECT_TRUE(verify(db, "alice", "two", "::1"));
    EXPECT_FALSE(verify(db, "alice", "three", "::1"));
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
    EXPECT_TRUE(verify(db, "alice", "a", "::1"));
    EXPECT_TRUE(verify(db, "bob", "b", "::1"));
    EXPECT_FALSE(db.reload());
    EXPECT_EQ(db.userCount(), 2u);
    EXPECT_EQ(logs.count("user database reload failed, keeping the previous one (2 users): " +
                         file.string() + ":1: no ':'"),
              1u)
        << logs.lines().back();
    EXPECT_EQ(logs.count(file.string() + ":5: uid and gid must be numbers"), 1u);
    // Fixed: taken at once.
    write("alice:{PLAIN}a2::::" + home + "\ncarol:{PLAIN}c::::" + home + "\n");
    EXPECT_TRUE(verify(db, "carol", "c", "::1"));
    EXPECT_TRUE(verify(db, "alice", "a2", "::1"));
    EXPECT_FALSE(verify(db, "bob", "b", "::1"));
}

TEST_F(UserDbTest, AnEmptyRereadKeepsThePreviousUsers) {
    write("alice:{PLAIN}a::::" + home + "\n");
    LogCapture logs;
    UserDatabase db(file, instant());
    write("");  // half-written, or truncated by mistake
    EXPECT_TRUE(verify(db, "alice", "a", "::1"));
    EXPECT_EQ(logs.count(file.string() + " has no users in it"), 1u);
    write("# every user commented out\n#alice:{PLAIN}a::::" + home + "\n");
    EXPECT_TRUE(verify(db, "alice", "a", "::1"));
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
    EXPECT_TRUE(verify(db, "bob", "b", "::1"));
    // A new bad line is this edit's mistake: refused.
    write("bob:{PLAIN}b::::" + home + "\nalice:{PLAIN}a::::" + home +
          "\nthis line is not understood\ncarol{PLAIN}c\n");
    EXPECT_TRUE(verify(db, "bob", "b", "::1"));
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
                if (verify(db, tr.user, tr.password, "::1").has_value() != tr.ok) ++mistakes;
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

}  // namespace
}  // namespace maildex::core::auth
