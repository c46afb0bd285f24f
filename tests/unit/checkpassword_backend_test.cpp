// core/auth/checkpassword_backend: a real program run through the qmail/DJB interface
// (credentials on descriptor 3, exit codes 0/1/111, the environment handed on to the next
// program), bounded in time, and never leaving a zombie.

#include "core/auth/checkpassword_backend.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace maildex::core::auth {
namespace {

namespace fs = std::filesystem;

// The program: alice/right is accepted with HOME and USER set; "slow" never answers
// (and records its PID); "temp" is a temporary failure; anything else is refused.
constexpr const char* kProgram = R"SH(#!/bin/sh
creds=$(head -c 512 <&3 | tr '\0' '\n')
user=$(printf '%s\n' "$creds" | sed -n 1p)
pass=$(printf '%s\n' "$creds" | sed -n 2p)
stamp=$(printf '%s\n' "$creds" | sed -n 3p)
[ -n "$stamp" ] || exit 2
[ "$user" = slow ] && { echo $$ > "$PIDFILE"; exec sleep 30; }
[ "$user" = temp ] && exit 111
[ "$user" = alice ] && [ "$pass" = right ] || exit 1
HOME=/srv/mail/alice USER=alice@example.com MAILDIR=box
export HOME USER MAILDIR
exec "$@"
)SH";

// The "next" program, as maildexd --checkpassword-next reports.
constexpr const char* kNext = R"SH(#!/bin/sh
printf 'MAILDEX_UID=%s\0MAILDEX_GID=%s\0' "$(id -u)" "$(id -g)"
env -0
)SH";

struct Programs {
    fs::path dir;
    Programs() {
        dir = fs::temp_directory_path() / ("maildex-cpw-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        write("checkpw", kProgram);
        write("next", kNext);
        ::setenv("PIDFILE", (dir / "pid").c_str(), 1);
    }
    ~Programs() { fs::remove_all(dir); }
    void write(const char* name, const char* text) {
        std::ofstream(dir / name) << text;
        fs::permissions(dir / name, fs::perms::owner_all);
    }
    CheckpasswordBackend backend(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        CheckpasswordOptions o;
        o.command = {(dir / "checkpw").string()};
        o.next = {(dir / "next").string()};
        o.timeout = timeout;
        return CheckpasswordBackend(o);
    }
};

TEST(Checkpassword, TheRightPasswordGivesTheEnvironmentHandedOn) {
    Programs p;
    auto b = p.backend();
    auto r = b.authenticate("alice", "right", "192.0.2.1");
    ASSERT_EQ(r.verdict, AuthResult::Verdict::Accepted) << r.reason;
    EXPECT_EQ(r.identity.user, "alice@example.com");
    EXPECT_EQ(r.identity.home, "/srv/mail/alice");
    EXPECT_EQ(r.identity.maildir, "/srv/mail/alice/box");
    EXPECT_EQ(r.identity.uid, ::getuid());
    EXPECT_EQ(r.identity.gid, ::getgid());
}

TEST(Checkpassword, ExitCodesAreVerdicts) {
    Programs p;
    auto b = p.backend();
    auto r = b.authenticate("alice", "wrong", "");
    EXPECT_EQ(r.verdict, AuthResult::Verdict::Refused);
    EXPECT_NE(r.reason.find("exit 1"), std::string::npos);
    EXPECT_EQ(b.authenticate("bob", "right", "").verdict, AuthResult::Verdict::Refused);
    r = b.authenticate("temp", "x", "");
    EXPECT_EQ(r.verdict, AuthResult::Verdict::Unavailable);
    EXPECT_NE(r.reason.find("111"), std::string::npos);
    EXPECT_EQ(b.authenticate("alice", std::string("ri\0ght", 6), "").verdict,
              AuthResult::Verdict::Refused);
    EXPECT_EQ(b.authenticate("alice", std::string(600, 'x'), "").verdict,
              AuthResult::Verdict::Refused);
}

TEST(Checkpassword, AProgramThatHangsIsKilledAndReaped) {
    Programs p;
    auto b = p.backend(std::chrono::milliseconds(500));
    auto start = std::chrono::steady_clock::now();
    auto r = b.authenticate("slow", "x", "");
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.verdict, AuthResult::Verdict::Unavailable);
    EXPECT_LT(took, std::chrono::seconds(3));
    pid_t pid = 0;
    std::ifstream(p.dir / "pid") >> pid;
    ASSERT_GT(pid, 0);
    // Killed (with its process group) and waited for: no such process, not even a zombie.
    EXPECT_FALSE(fs::exists("/proc/" + std::to_string(pid)));
}

TEST(Checkpassword, AMissingProgramIsUnavailable) {
    CheckpasswordOptions o;
    o.command = {"/nonexistent/checkpassword"};
    o.next = {"/bin/true"};
    CheckpasswordBackend b(o);
    EXPECT_EQ(b.authenticate("alice", "right", "").verdict, AuthResult::Verdict::Unavailable);
}

TEST(Checkpassword, TheReportNeedsAHomeAndIds) {
    using namespace std::string_literals;
    EXPECT_EQ(checkpasswordResult("MAILDEX_UID=1\0MAILDEX_GID=2\0"s, "u", {}).verdict,
              AuthResult::Verdict::Refused);
    EXPECT_EQ(checkpasswordResult("HOME=/h\0"s, "u", {}).verdict, AuthResult::Verdict::Refused);
    auto r = checkpasswordResult("MAILDEX_UID=1\0MAILDEX_GID=2\0HOME=/h\0"s, "u", {});
    ASSERT_EQ(r.verdict, AuthResult::Verdict::Accepted);
    EXPECT_EQ(r.identity.user, "u");
    EXPECT_EQ(r.identity.maildir, "/h/Maildir");
}

}  // namespace
}  // namespace maildex::core::auth
