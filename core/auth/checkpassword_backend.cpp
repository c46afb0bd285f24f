#include "core/auth/checkpassword_backend.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <map>

#include "base/log.h"

extern char** environ;

namespace maildex::core::auth {

namespace {

using Clock = std::chrono::steady_clock;

// DJB's interface: the program reads at most 512 bytes from descriptor 3.
constexpr std::size_t kMaxCredentials = 512;
constexpr std::size_t kMaxReport = 256 * 1024;

int remainingMs(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

struct Pipe {
    int fd[2] = {-1, -1};
    bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
    void close(int i) {
        if (fd[i] >= 0) ::close(fd[i]);
        fd[i] = -1;
    }
    ~Pipe() {
        close(0);
        close(1);
    }
};

}  // namespace

std::string checkpasswordReport() {
    std::string out = "MAILDEX_UID=" + std::to_string(::getuid());
    out.push_back('\0');
    out += "MAILDEX_GID=" + std::to_string(::getgid());
    out.push_back('\0');
    for (char** e = environ; e && *e; ++e) {
        out += *e;
        out.push_back('\0');
    }
    return out;
}

AuthResult checkpasswordResult(std::string_view report, std::string_view login,
                               const AccountDefaults& defaults) {
    std::map<std::string, std::string, std::less<>> env;
    std::size_t pos = 0;
    while (pos < report.size()) {
        auto end = report.find('\0', pos);
        if (end == std::string_view::npos) end = report.size();
        auto entry = report.substr(pos, end - pos);
        pos = end + 1;
        auto eq = entry.find('=');
        if (eq != std::string_view::npos && eq > 0)
            env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    auto get = [&](std::string_view key) {
        auto it = env.find(key);
        return it == env.end() ? std::string() : it->second;
    };
    Identity id;
    id.user = get("USER");
    if (id.user.empty()) id.user = std::string(login);
    id.home = get("HOME");
    auto maildir = defaults.maildirFor(id.home, get("MAILDIR"));
    if (!maildir) return AuthResult::refused("checkpassword handed on no absolute HOME or MAILDIR");
    id.maildir = *maildir;
    id.uid = parseAccountId<uid_t>(get("MAILDEX_UID"));
    id.gid = parseAccountId<gid_t>(get("MAILDEX_GID"));
    if (!id.uid || !id.gid)
        return AuthResult::refused("the program checkpassword ran did not report a uid and gid");
    AuthResult accepted;
    accepted.verdict = AuthResult::Verdict::Accepted;
    accepted.identity = std::move(id);
    return accepted;
}

CheckpasswordBackend::CheckpasswordBackend(CheckpasswordOptions options)
    : options_(std::move(options)) {}

AuthResult CheckpasswordBackend::authenticate(std::string_view user, std::string_view password,
                                              std::string_view clientAddress) {
    if (options_.command.empty()) return AuthResult::unavailable("no program configured");
    if (user.find('\0') != user.npos || password.find('\0') != password.npos)
        return AuthResult::refused("the name or password holds a NUL");
    std::string credentials(user);
    credentials.push_back('\0');
    credentials.append(password);
    credentials.push_back('\0');
    credentials += std::to_string(std::time(nullptr));
    credentials.push_back('\0');
    struct Wipe {
        std::string& s;
        ~Wipe() { OPENSSL_cleanse(s.data(), s.size()); }
    } wipe{credentials};
    if (credentials.size() > kMaxCredentials)
        return AuthResult::refused("name and password exceed checkpassword's 512 bytes");

    // The credentials wait in a pipe (far below its capacity) for the program to read.
    Pipe creds, out;
    if (!creds.open() || !out.open())
        return AuthResult::unavailable(std::string("pipe: ") + std::strerror(errno));
    if (::write(creds.fd[1], credentials.data(), credentials.size()) !=
        static_cast<ssize_t>(credentials.size()))
        return AuthResult::unavailable(std::string("write: ") + std::strerror(errno));
    creds.close(1);

    std::vector<std::string> args = options_.command;
    args.insert(args.end(), options_.next.begin(), options_.next.end());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> envStrings;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "TCPREMOTEIP=", 12) != 0) envStrings.emplace_back(*e);
    envStrings.push_back("TCPREMOTEIP=" + std::string(clientAddress));
    std::vector<char*> envp;
    for (auto& e : envStrings)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&actions, creds.fd[0], 3);
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    // Its own process group, so a timeout kills whatever it started too; default signal
    // handling and mask, whatever the server's threads block.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    creds.close(0);
    out.close(1);
    if (rc != 0) {
        log::warn("checkpassword: cannot run " + args.front() + ": " + std::strerror(rc));
        return AuthResult::unavailable("cannot run " + args.front() + ": " + std::strerror(rc));
    }

    const auto deadline = Clock::now() + options_.timeout;
    std::string report;
    bool timedOut = false, tooLong = false;
    char buf[4096];
    while (true) {
        pollfd p{out.fd[0], POLLIN, 0};
        int n = ::poll(&p, 1, remainingMs(deadline));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            timedOut = true;
            break;
        }
        ssize_t got = ::read(out.fd[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        report.append(buf, static_cast<std::size_t>(got));
        if (report.size() > kMaxReport) {
            tooLong = true;
            break;
        }
    }
    // Output closed: the program is done or about to be. Wait for it within the limit;
    // past it, kill its process group and reap it.
    int status = 0;
    if (timedOut || tooLong) ::kill(-pid, SIGKILL);
    while (true) {
        pid_t w = ::waitpid(pid, &status, timedOut || tooLong ? 0 : WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            status = -1;
            break;
        }
        if (timedOut || tooLong || remainingMs(deadline) == 0) {
            timedOut = timedOut || !tooLong;
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        ::usleep(2'000);
    }
    if (timedOut || tooLong) {
        ::kill(-pid, SIGKILL);  // what it started, if the program itself is gone
        std::string why =
            timedOut ? "no answer within " + std::to_string(options_.timeout.count()) + " ms"
                     : "its output exceeded " + std::to_string(kMaxReport) + " bytes";
        log::warn("checkpassword: " + args.front() + " killed: " + why);
        return AuthResult::unavailable(why);
    }
    if (status >= 0 && WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code == 0) return checkpasswordResult(report, user, options_.accounts);
        if (code == 1) return AuthResult::refused("wrong password or unknown user (exit 1)");
        if (code == 111) return AuthResult::unavailable("temporary failure (exit 111)");
        log::warn("checkpassword: " + args.front() + " exited " + std::to_string(code) +
                  (code == 2 ? " (misused: check MAILDEX_CHECKPASSWORD)" : ""));
        return AuthResult::unavailable("exit " + std::to_string(code));
    }
    std::string how = status >= 0 && WIFSIGNALED(status)
                          ? "killed by signal " + std::to_string(WTERMSIG(status))
                          : "lost";
    log::warn("checkpassword: " + args.front() + " " + how);
    return AuthResult::unavailable(how);
}

}  // namespace maildex::core::auth
