#include "tests/protocol/runner/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/engine.h"

namespace maildex::test {

namespace {

// Splits complete CRLF lines off the front of a buffer.
std::optional<std::string> takeLine(std::string& buffer) {
    auto pos = buffer.find("\r\n");
    if (pos == std::string::npos) return std::nullopt;
    std::string line = buffer.substr(0, pos);
    buffer.erase(0, pos + 2);
    return line;
}

class InProcess : public Connection {
  public:
    explicit InProcess(const std::string& maildir) : engine_(config_, nullptr, {}) {
        engine_.session().preauthenticate({"test", maildir});
        engine_.session().setWakeup([this] {
            std::lock_guard lock(mu_);
            woken_ = true;
            cv_.notify_all();
        });
        engine_.start();
        collect();
    }
    ~InProcess() override { engine_.session().setWakeup({}); }

    void send(std::string_view bytes) override {
        if (closed_) return;
        engine_.feed(bytes);
        apply(engine_.run());
    }

    std::optional<std::string> readLine(std::chrono::milliseconds timeout) override {
        if (auto line = takeLine(buffer_)) return line;
        // Nothing pending: changes published to this session (by another session or a
        // file-system event) are reported when the wakeup fires.
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!closed_) {
            {
                std::unique_lock lock(mu_);
                if (!cv_.wait_until(lock, deadline, [this] { return woken_; })) return std::nullopt;
                woken_ = false;
            }
            apply(engine_.notifyChanges());
            if (auto line = takeLine(buffer_)) return line;
        }
        return takeLine(buffer_);
    }

    void closeInput() override { closed_ = true; }
    std::string unread() override {
        bool woken;
        {
            std::lock_guard lock(mu_);
            woken = woken_;
            woken_ = false;
        }
        if (woken && !closed_) apply(engine_.notifyChanges());
        return buffer_;
    }

  private:
    void collect() {
        buffer_ += engine_.output();
        engine_.output().clear();
    }
    void apply(core::Engine::Next status) {
        collect();
        while (status == core::Engine::Next::Suspended) {
            status = engine_.resume();
            collect();
        }
        if (status == core::Engine::Next::Close) closed_ = true;
    }

    core::ImapConfig config_;
    core::Engine engine_;
    std::string buffer_;
    bool closed_ = false;
    std::mutex mu_;
    std::condition_variable cv_;
    bool woken_ = false;
};

// A peer at the other end of file descriptors: a maildexd process on pipes, or a TCP
// socket.
class Stream : public Connection {
  public:
    // A connected socket used for both directions.
    explicit Stream(int socket) : in_(socket), out_(socket), socket_(true) {}

    Stream(const std::string& maildexd, const std::string& maildir) {
        int toChild[2], fromChild[2];
        if (::pipe2(toChild, O_CLOEXEC) != 0 || ::pipe2(fromChild, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::dup2(toChild[0], 0);
            ::dup2(fromChild[1], 1);
            ::execl(maildexd.c_str(), maildexd.c_str(), maildir.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(toChild[0]);
        ::close(fromChild[1]);
        in_ = toChild[1];
        out_ = fromChild[0];
    }

    ~Stream() override {
        if (socket_) {
            ::close(out_);
            return;
        }
        if (in_ >= 0) ::close(in_);
        ::close(out_);
        // Give it a moment to finish after EOF, then make sure it is gone.
        for (int i = 0; i < 50; ++i) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
            ::usleep(20000);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }

    void send(std::string_view bytes) override {
        while (!bytes.empty() && in_ >= 0) {
            ssize_t n = socket_ ? ::send(in_, bytes.data(), bytes.size(), MSG_NOSIGNAL)
                                : ::write(in_, bytes.data(), bytes.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                return;  // the server went away; reads will say so
            }
            bytes.remove_prefix(static_cast<size_t>(n));
        }
    }

    std::optional<std::string> readLine(std::chrono::milliseconds timeout) override {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            if (auto line = takeLine(buffer_)) return line;
            if (!fill(deadline)) return std::nullopt;
        }
    }

    void closeInput() override {
        if (socket_) {
            ::shutdown(in_, SHUT_WR);
            return;
        }
        if (in_ >= 0) ::close(in_);
        in_ = -1;
    }

    std::string unread() override {
        // Collect whatever arrives shortly (a misbehaving server's extra lines).
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
        while (std::chrono::steady_clock::now() < deadline && fill(deadline)) {
        }
        return buffer_;
    }

  private:
    // Reads what is available before `deadline` into the buffer; false on timeout or EOF.
    bool fill(std::chrono::steady_clock::time_point deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || eof_) return false;
        pollfd p{out_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return !eof_;
        char buf[65536];
        ssize_t n = ::read(out_, buf, sizeof buf);
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        buffer_.append(buf, static_cast<size_t>(n));
        return true;
    }

    pid_t pid_ = -1;
    int in_ = -1, out_ = -1;
    bool socket_ = false;
    std::string buffer_;
    bool eof_ = false;
};

int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace

std::unique_ptr<Connection> connectInProcess(const std::string& maildir) {
    return std::make_unique<InProcess>(maildir);
}

std::unique_ptr<Connection> connectStdio(const std::string& maildexd, const std::string& maildir) {
    return std::make_unique<Stream>(maildexd, maildir);
}

std::unique_ptr<Connection> connectTcp(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
    return std::make_unique<Stream>(fd);
}

TestServer::TestServer(const std::string& maildexd, const std::string& maildir,
                       const std::string& workDir) {
    // The Maildir is <home>/Maildir: MAILDIRPATH's default.
    std::string home = std::filesystem::path(maildir).parent_path().string();
    std::string users = workDir + "/users";
    std::ofstream(users) << "test:{PLAIN}test:::Test user:" << home << "::\n";
    ::chmod(users.c_str(), 0600);
    port_ = freePort();
    pid_ = ::fork();
    if (pid_ == 0) {
        std::string log = workDir + "/maildexd.log";
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) ::dup2(fd, 2);
        std::vector<std::string> args{maildexd,
                                      "--set",
                                      "ADDRESS=127.0.0.1",
                                      "--set",
                                      "PORT=" + std::to_string(port_),
                                      "--set",
                                      "MAILDEX_USERDB=" + users,
                                      "--set",
                                      "MAXPERIP=100",
                                      "--set",
                                      "MAILDEX_ALLOW_ROOT_MAIL=YES",  // a root test run
                                      "--set",
                                      "MAILDEX_LOG_LEVEL=warn"};
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(maildexd.c_str(), argv.data());
        ::_exit(127);
    }
    // Ready when it accepts.
    for (int i = 0; i < 400; ++i) {
        try {
            connectTcp(port_);
            return;
        } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
    }
    throw std::runtime_error("maildexd did not start (see " + workDir + "/maildexd.log)");
}

TestServer::~TestServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 400; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

}  // namespace maildex::test
