#include "core/auth/authdaemon_backend.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/log.h"
#include "core/auth/authdaemon_protocol.h"

namespace maildex::core::auth {

namespace {

using Clock = std::chrono::steady_clock;

// Replies are a dozen short lines; anything longer is not authdaemond.
constexpr std::size_t kMaxReply = 64 * 1024;

int remainingMs(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// Waits for `events` on fd until the deadline; false on timeout (error set).
bool waitFor(int fd, short events, Clock::time_point deadline, std::string& error) {
    while (true) {
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, remainingMs(deadline));
        if (n > 0) return true;
        if (n == 0) {
            error = "no answer in time";
            return false;
        }
        if (errno != EINTR) {
            error = std::string("poll: ") + std::strerror(errno);
            return false;
        }
    }
}

// A user with no UID in the answer but a USERNAME (authpam names the system account):
// the account's uid and gid from the system, as Courier's authlib does.
void fillFromSystem(Identity& id, const std::string& username) {
    if (username.empty() || id.uid) return;
    passwd pw{}, *found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(username.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) return;
    id.uid = found->pw_uid;
    if (!id.gid) id.gid = found->pw_gid;
}

}  // namespace

AuthdaemonBackend::AuthdaemonBackend(AuthdaemonOptions options) : options_(std::move(options)) {}

bool AuthdaemonBackend::exchange(const std::string& request, Clock::time_point deadline,
                                 std::string& reply, std::string& error) {
    Fd s;
    s.fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s.fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = options_.socket.string();
    if (path.size() >= sizeof addr.sun_path) {
        error = "socket path too long";
        return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    // A Unix socket's connect fails with EAGAIN when the listen queue is full (every
    // authdaemond process busy): try again until the deadline.
    while (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN && remainingMs(deadline) > 0) {
            ::usleep(10'000);
            continue;
        }
        error = "cannot connect to " + path + ": " + std::strerror(errno);
        return false;
    }
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            if (!waitFor(s.fd, POLLOUT, deadline, error)) return false;
            continue;
        }
        error = std::string("send: ") + std::strerror(errno);
        return false;
    }
    // The daemon closes the connection after its answer.
    char buf[4096];
    while (true) {
        ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n > 0) {
            reply.append(buf, static_cast<std::size_t>(n));
            if (reply.size() > kMaxReply) {
                error = "answer longer than " + std::to_string(kMaxReply) + " bytes";
                OPENSSL_cleanse(buf, sizeof buf);
                return false;
            }
            continue;
        }
        if (n == 0) break;
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
            if (!waitFor(s.fd, POLLIN, deadline, error)) {
                OPENSSL_cleanse(buf, sizeof buf);
                return false;
            }
            continue;
        }
        error = std::string("recv: ") + std::strerror(errno);
        OPENSSL_cleanse(buf, sizeof buf);
        return false;
    }
    OPENSSL_cleanse(buf, sizeof buf);  // PASSWD2 is the password itself
    return true;
}

void AuthdaemonBackend::noteHealth(bool answering, const std::string& error) {
    bool wasDown = down_.exchange(!answering);
    if (!answering && !wasDown)
        log::warn("authdaemon: authdaemond is not answering at " + options_.socket.string() + " (" +
                  error +
                  "); logins it would check fail with NO [UNAVAILABLE] until it is "
                  "back");
    else if (answering && wasDown)
        log::info("authdaemon: authdaemond answers again at " + options_.socket.string());
}

AuthResult AuthdaemonBackend::authenticate(std::string_view user, std::string_view password,
                                           std::string_view) {
    auto request = authdaemon::authRequest(options_.service, user, password);
    if (!request) return AuthResult::refused("the name or password holds a line break");
    struct Wipe {
        std::string& s;
        ~Wipe() {
            if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
        }
    } wipeRequest{*request};

    const auto deadline = Clock::now() + options_.timeout;
    {
        std::unique_lock lock(mu_);
        if (!slotFree_.wait_until(lock, deadline, [&] { return inUse_ < options_.maxConnections; }))
            return AuthResult::unavailable("all " + std::to_string(options_.maxConnections) +
                                           " authdaemond connections busy");
        ++inUse_;
    }
    std::string reply, error;
    bool answered = exchange(*request, deadline, reply, error);
    {
        std::lock_guard lock(mu_);
        --inUse_;
    }
    slotFree_.notify_one();
    Wipe wipeReply{reply};

    if (!answered) {
        noteHealth(false, error);
        return AuthResult::unavailable(error);
    }
    auto parsed = authdaemon::parseReply(reply);
    if (parsed.kind == authdaemon::Reply::Kind::Incomplete) {
        // Answered by closing: a module's temporary failure. The daemon is up.
        noteHealth(true, {});
        return AuthResult::unavailable(
            "authdaemond closed the connection without a verdict (a module's temporary "
            "failure?)");
    }
    noteHealth(true, {});
    if (parsed.kind == authdaemon::Reply::Kind::Fail)
        return AuthResult::refused("authdaemond said FAIL (unknown user or wrong password)");
    auto result = authdaemon::toResult(parsed, user, options_.accounts);
    if (result.verdict == AuthResult::Verdict::Accepted) {
        auto it = parsed.fields.find("USERNAME");
        if (it != parsed.fields.end()) fillFromSystem(result.identity, it->second);
    }
    return result;
}

}  // namespace maildex::core::auth
