// core/auth/authdaemon_backend against a stand-in for authdaemond on a Unix socket: an
// answer becomes the account, and a daemon that is down, silent or closes without a
// verdict makes the login Unavailable within the time limit. (The real authdaemond is
// tests/integration/test_auth_backends.py's.)

#include "core/auth/authdaemon_backend.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace maildex::core::auth {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Listens on a socket; each connection gets `answer` after the request (or nothing and
// is held open when `silent`).
struct FakeDaemon {
    fs::path path;
    int fd = -1;
    std::string answer;
    bool silent = false;
    std::atomic<int> connections{0};
    std::string lastRequest;
    std::mutex mu;
    std::vector<std::thread> handlers;  // one per connection, as authdaemond's processes
    std::thread thread;

    explicit FakeDaemon(std::string reply, bool quiet = false)
        : answer(std::move(reply)), silent(quiet) {
        path = fs::temp_directory_path() / ("maildex-ad-" + std::to_string(::getpid()));
        fs::remove(path);
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strcpy(a.sun_path, path.c_str());
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(::listen(fd, 16), 0);
        thread = std::thread([this] { serve(); });
    }
    void serve() {
        while (true) {
            int c = ::accept(fd, nullptr, nullptr);
            if (c < 0) return;
            ++connections;
            handlers.emplace_back([this, c] {
                char buf[1024];
                ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n > 0) {
                    std::lock_guard lock(mu);
                    lastRequest.assign(buf, static_cast<std::size_t>(n));
                }
                if (silent) {
                    std::this_thread::sleep_for(1500ms);
                } else {
                    [[maybe_unused]] auto w = ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
                }
                ::close(c);
            });
        }
    }
    ~FakeDaemon() {
        ::shutdown(fd, SHUT_RDWR);
        ::close(fd);
        thread.join();
        for (auto& h : handlers)
            h.join();
        fs::remove(path);
    }
    AuthdaemonBackend backend() {
        AuthdaemonOptions o;
        o.socket = path;
        o.timeout = 500ms;
        o.maxConnections = 1;
        return AuthdaemonBackend(o);
    }
};

TEST(AuthdaemonBackend, AnAnswerIsTheAccount) {
    FakeDaemon d("UID=7\nGID=8\nHOME=/home/alice\nPASSWD2=pw\n.\n");
    auto b = d.backend();
    auto r = b.authenticate("alice", "pw", "192.0.2.1");
    ASSERT_EQ(r.verdict, AuthResult::Verdict::Accepted) << r.reason;
    EXPECT_EQ(r.identity.maildir, "/home/alice/Maildir");
    EXPECT_EQ(r.identity.uid, 7u);
    EXPECT_EQ(d.lastRequest, "AUTH 20\nimap\nlogin\nalice\npw\n");
}

TEST(AuthdaemonBackend, FailIsRefused) {
    FakeDaemon d("FAIL\n");
    auto b = d.backend();
    EXPECT_EQ(b.authenticate("alice", "pw", "").verdict, AuthResult::Verdict::Refused);
    // A line break cannot be sent: refused without asking.
    EXPECT_EQ(b.authenticate("alice\nx", "pw", "").verdict, AuthResult::Verdict::Refused);
    EXPECT_EQ(d.connections, 1);
}

TEST(AuthdaemonBackend, ClosedWithoutAVerdictIsUnavailable) {
    FakeDaemon d("UID=7\nHOME=/h\n");  // no final "."
    auto b = d.backend();
    EXPECT_EQ(b.authenticate("alice", "pw", "").verdict, AuthResult::Verdict::Unavailable);
}

TEST(AuthdaemonBackend, ASilentDaemonCostsTheTimeLimit) {
    FakeDaemon d("", true);
    auto b = d.backend();
    auto start = std::chrono::steady_clock::now();
    auto r = b.authenticate("alice", "pw", "");
    EXPECT_EQ(r.verdict, AuthResult::Verdict::Unavailable);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 450ms);
    EXPECT_LT(took, 1400ms);
}

TEST(AuthdaemonBackend, NoDaemonIsUnavailableAtOnce) {
    AuthdaemonOptions o;
    o.socket = fs::temp_directory_path() / "maildex-no-such-authdaemon-socket";
    AuthdaemonBackend b(o);
    auto r = b.authenticate("alice", "pw", "");
    EXPECT_EQ(r.verdict, AuthResult::Verdict::Unavailable);
    EXPECT_NE(r.reason.find("cannot connect"), std::string::npos) << r.reason;
}

TEST(AuthdaemonBackend, ConnectionsAreBounded) {
    // One connection allowed and a daemon that answers nobody: while the first login
    // waits for its answer, the second waits for the connection, not on the daemon.
    FakeDaemon d("", true);
    auto b = d.backend();
    AuthResult second;
    std::thread first([&] { b.authenticate("alice", "pw", ""); });
    std::this_thread::sleep_for(100ms);
    std::thread other([&] { second = b.authenticate("bob", "pw", ""); });
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(d.connections, 1);
    first.join();
    other.join();
    EXPECT_EQ(second.verdict, AuthResult::Verdict::Unavailable);
}

}  // namespace
}  // namespace maildex::core::auth
