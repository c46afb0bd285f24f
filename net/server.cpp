#include "net/server.h"

#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>
#include <thread>

#include "base/fs_identity.h"
#include "base/log.h"
#include "core/auth/authentication.h"
#include "core/auth/backend_list.h"
#include "core/auth/nginx_auth.h"
#include "core/auth/user_database.h"
#include "index/file_modes.h"
#include "index/mailstore.h"
#include "net/admin_server.h"
#include "net/event_loop.h"
#include "net/listener.h"
#include "net/metrics.h"
#include "net/privileges.h"
#include "net/tls_context.h"
#include "net/worker_pool.h"

namespace maildex::net {

namespace {
// A user's index database is closed after this long unused: longer than the pauses in a
// client's burst of commands, far shorter than the minutes it then waits in IDLE, when
// the connection would cost its memory, its shared-memory mapping and three descriptors.
constexpr std::chrono::seconds kIndexCloseAfter{3};

// glibc gives each thread its own heap (up to eight per core), and a hole in one heap can
// only be filled by the thread that owns it. What a login leaves behind (its index
// database's memory, a TLS handshake's buffers) is freed around the small blocks an idle
// connection keeps, and with every thread on its own heap those holes stayed empty: at
// 10,000 idle TLS connections over 1,000 users, 17.9 KB each with glibc's default,
// 17.0 KB with one heap per core. Threads then share heaps, which costs little: a thread
// waits only if another allocates in the same heap at that very moment. An administrator's
// MALLOC_ARENA_MAX still wins.
void shareAllocatorHeaps() {
    if (std::getenv("MALLOC_ARENA_MAX")) return;
    int cores = static_cast<int>(std::thread::hardware_concurrency());
    ::mallopt(M_ARENA_MAX, std::max(2, cores));
}

void countLogin(core::auth::Authentication::Outcome outcome) {
    using Outcome = core::auth::Authentication::Outcome;
    auto& m = Metrics::instance();
    ++(outcome == Outcome::Succeeded ? m.loginsOk
       : outcome == Outcome::Failed  ? m.loginsFailed
                                     : m.loginsThrottled);
}
}  // namespace

Server::Server(core::ServerConfig config)
    : config_(std::move(config)), connectionLimit_(config_.maxConnections) {
    shareAllocatorHeaps();  // before the first thread starts
    config_.imap.commandObserver = [](const core::CommandRecord& r) {
        Metrics::instance().command(std::string(r.name), std::string(r.result), r.duration);
    };
    if (!config_.tlsCertFile.empty()) {
        try {
            tls_ = std::make_unique<TlsManager>(tlsOptionsFrom(config_));
        } catch (const std::exception& e) {
            throw core::ConfigError(std::string("TLS_CERTFILE: ") + e.what());
        }
    }
    // checkpassword execs this very binary once the password is right, to report the
    // environment it was handed (maildexd --checkpassword-next).
    std::error_code ec;
    if (auto self = std::filesystem::read_symlink("/proc/self/exe", ec); !ec)
        config_.auth.checkpassword.next = {self.string(), "--checkpassword-next"};
    auto backends = core::auth::makeBackends(config_.auth);
    std::string order;
    for (const auto& name : core::auth::effectiveOrder(config_.auth))
        order += (order.empty() ? "" : ", ") + name;
    log::info("authentication: " + order);
    authentication_ = std::make_unique<core::auth::Authentication>(
        std::move(backends), core::auth::LoginThrottleOptions{}, countLogin, config_.auth.names);

    for (const auto& w : core::configWarnings(config_))
        log::warn(w);

    // Bind first (the ports may be privileged), then drop privileges. IMAPDSTART=NO and
    // IMAPDSSLSTART=NO leave their ports closed, as Courier's init scripts do.
    auto adopt = [this](Accepted a) { this->adopt(std::move(a)); };
    if (core::listensPlain(config_))
        listeners_.push_back(std::make_unique<Listener>(config_.address, config_.port, false,
                                                        config_.proxyProtocolPlain, adopt));
    if (core::listensTls(config_))
        listeners_.push_back(std::make_unique<Listener>(config_.sslAddress, config_.sslPort, true,
                                                        config_.proxyProtocolTls, adopt));
    loadAccessList();
    raiseFileLimit();
    // Before the privileges go: /run/courier, where Courier's files put them, is root's.
    writePidFiles();
    dropPrivileges();

    int workers = config_.workers > 0
                      ? config_.workers
                      : std::max(2, 2 * static_cast<int>(std::thread::hardware_concurrency()));
    workers_ = std::make_unique<WorkerPool>(workers);
    int loops = config_.eventLoops > 0
                    ? config_.eventLoops
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    for (int i = 0; i < loops; ++i)
        loops_.push_back(std::make_unique<EventLoop>());
    context_ = std::make_unique<ServerContext>(
        ServerContext{config_, *workers_, tls_.get(), authentication_.get(), {}, {}});
    context_->onClosed = [this](const std::string& slot) {
        std::lock_guard lock(countsMu_);
        --total_;
        if (!slot.empty() && --perIp_[slot] <= 0) perIp_.erase(slot);
    };
    context_->admitClient = [this](const std::string& address, const std::string& held) {
        return admitClient(address, held);
    };
    if (!config_.adminAddress.empty()) {
        // nginx's mail proxy speaks plain IMAP to its back ends: /auth names
        // MAILDEX_PROXY_BACKEND, else ADDRESS and PORT (no port at all when only SSLPORT is
        // listened on). An empty host: ADDRESS is every address, and the answer is the
        // address each request arrived on (never 127.0.0.1 for a request from elsewhere).
        bool backend = !config_.proxyBackend.empty();
        std::string host = backend ? config_.proxyBackendHost
                           : core::auth::isWildcardAddress(config_.address)
                               ? std::string()
                               : core::auth::authServerAddress(config_.address, "");
        int port = backend                       ? config_.proxyBackendPort
                   : core::listensPlain(config_) ? config_.port
                                                 : 0;
        admin_ = std::make_unique<AdminServer>(config_.adminAddress, *this, authentication_.get(),
                                               host, port);
    }
    if (::pipe2(stopPipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
}

Server::~Server() {
    removePidFiles();
    admin_.reset();
    for (auto& l : listeners_)
        l->stop();
    for (auto& loop : loops_)
        loop->stop();
    if (workers_) workers_->stop();
    loops_.clear();
    if (stopPipe_[0] >= 0) ::close(stopPipe_[0]);
    if (stopPipe_[1] >= 0) ::close(stopPipe_[1]);
}

std::vector<std::string> Server::listening() const {
    std::vector<std::string> out;
    for (const auto& l : listeners_)
        out.push_back(l->describe());
    if (admin_)
        out.push_back(config_.adminAddress + " (admin, port " + std::to_string(admin_->port()) +
                      ")");
    return out;
}

void Server::raiseFileLimit() {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    rlim_t want = static_cast<rlim_t>(config_.maxConnections) + 1024;
    if (lim.rlim_cur >= want) {
        sizeDescriptorTable(static_cast<int>(want));
        return;
    }
    rlimit next = lim;
    next.rlim_cur = std::min(want, lim.rlim_max);
    if (lim.rlim_max < want) {
        // Only root may raise the hard limit; try, and settle for what there is.
        rlimit raised{want, want};
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) next = raised;
    }
    if (::setrlimit(RLIMIT_NOFILE, &next) == 0)
        log::info("open file limit raised to " + std::to_string(next.rlim_cur) +
                  " for MAXDAEMONS=" + std::to_string(config_.maxConnections));
    ::getrlimit(RLIMIT_NOFILE, &lim);
    sizeDescriptorTable(static_cast<int>(std::min<rlim_t>(want, lim.rlim_cur)));
    if (next.rlim_cur < want) {
        // Past the limit, logins would fail one by one as users' index files cannot be
        // opened; a clear refusal at the door is better. 1,024 descriptors stay for index
        // files, listeners and logs.
        connectionLimit_ = static_cast<int>(std::max<rlim_t>(next.rlim_cur, 2048) - 1024);
        log::warn("open file limit is " + std::to_string(next.rlim_cur) +
                  ", below MAXDAEMONS=" + std::to_string(config_.maxConnections) +
                  " connections; raise it (LimitNOFILE in systemd). Until then at most " +
                  std::to_string(connectionLimit_) + " connections are accepted");
    }
}

void Server::sizeDescriptorTable(int descriptors) {
    // The kernel's descriptor table doubles as it fills; in a process with threads each
    // doubling waits for an RCU grace period, so the thread that opened descriptor 1024
    // (or 2048, 4096...) stalls for ten milliseconds or more: a delivery that happens to
    // open the index then reaches its idlers that much later. Growing the table once, to
    // what the limits allow, costs 8 bytes of kernel memory per descriptor (capped at
    // 2 MB; past that, the rare doubling costs less than the memory).
    descriptors = std::min(descriptors, 1 << 18);
    int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (probe < 0) return;
    int high = ::fcntl(probe, F_DUPFD_CLOEXEC, std::max(descriptors - 1, 0));
    if (high >= 0) ::close(high);
    ::close(probe);
}

void Server::dropPrivileges() {
    // IMAP_UMASK is Courier's process umask; it also sets the modes of new files.
    if (config_.imapUmask) ::umask(*config_.imapUmask);
    index::setImapUmask(config_.imapUmask);
    if (!config_.runAsUser.empty()) dropPrivilegesTo(config_.runAsUser);
    if (!enableUserIdentities()) return;  // not root: every file is the server's own
    log::info(
        "each user's files are touched as the user (the uid and gid the user database "
        "names, else the Maildir's owner)");
    // A user database that names no uid of its own for anyone: every user is served as
    // the owner of its Maildir, and a Maildir of root's is refused. Worth a word, once.
    if (config_.auth.userDb.empty()) return;
    try {
        base::FsIdentityScope asReader(base::configFileReader());
        auto users = core::auth::listUsers(config_.auth.userDb);
        bool anyOwnUid = std::any_of(users.begin(), users.end(), [](const auto& u) {
            return !u.uid.empty() && u.uid.find_first_not_of('0') != std::string::npos;
        });
        if (!users.empty() && !anyOwnUid)
            log::warn("serving each user as its own identity, but " + config_.auth.userDb.string() +
                      " gives no user a uid of its own: each is served as the owner of its "
                      "Maildir, and one whose Maildir is root's is refused" +
                      (config_.imap.allowRootMail ? " (here served as root: "
                                                    "MAILDEX_ALLOW_ROOT_MAIL=YES)"
                                                  : "") +
                      ". Give users their uid:gid, or run as the one mail user");
    } catch (const std::exception&) {
        // The back end has said what is wrong with the file.
    }
}

void Server::loadAccessList() {
    if (config_.accessFile.empty()) return;
    auto list =
        std::make_shared<const core::AccessList>(core::AccessList::load(config_.accessFile));
    log::info("IMAPACCESSFILE " + config_.accessFile.string() + ": " +
              std::to_string(list->size()) + (list->size() == 1 ? " rule" : " rules"));
    std::lock_guard lock(accessMu_);
    access_ = std::move(list);
}

void Server::writePidFiles() {
    std::vector<std::filesystem::path> files;
    if (!config_.pidFile.empty()) files.push_back(config_.pidFile);
    if (!config_.sslPidFile.empty() && config_.sslPidFile != config_.pidFile && listensTls(config_))
        files.push_back(config_.sslPidFile);
    std::string pid = std::to_string(::getpid()) + "\n";
    for (const auto& f : files) {
        std::error_code ec;
        std::filesystem::create_directories(f.parent_path(), ec);
        int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || ::write(fd, pid.data(), pid.size()) != static_cast<ssize_t>(pid.size())) {
            int err = errno;
            if (fd >= 0) ::close(fd);
            throw core::ConfigError((f == config_.pidFile ? "PIDFILE: " : "SSLPIDFILE: ") +
                                    std::string("cannot write ") + f.string() + ": " +
                                    std::strerror(err));
        }
        ::close(fd);
        pidFilesWritten_.push_back(f);
    }
}

void Server::removePidFiles() {
    // Only a file that still names this process: a server started since owns it now.
    for (const auto& f : pidFilesWritten_) {
        std::ifstream in(f);
        long pid = 0;
        if (in >> pid && pid == ::getpid()) {
            std::error_code ec;
            std::filesystem::remove(f, ec);
            if (ec) log::warn("cannot remove " + f.string() + ": " + ec.message());
        }
    }
    pidFilesWritten_.clear();
}

std::optional<std::string> Server::accessDenied(const std::string& ip) {
    std::shared_ptr<const core::AccessList> access;
    {
        std::lock_guard lock(accessMu_);
        access = access_;
    }
    if (!access) return std::nullopt;
    auto decision = access->check(ip);
    if (decision.allowed) return std::nullopt;
    return decision.rule;
}

const char* Server::admitClient(const std::string& address, const std::string& held) {
    // The client a trusted proxy named is held to the same rules as one that connects
    // itself: the access file, then MAXPERIP. Its slot is taken before the proxy's (if the
    // connection held one) is given back, under one lock, so no count is ever short.
    static const char kDenied[] = "* BYE Access denied from your address\r\n";
    static const char kTooMany[] = "* BYE Too many connections from your address\r\n";
    if (auto rule = accessDenied(address)) {
        ++Metrics::instance().connectionsRefused;
        log::info("refused " + address + " (named by a proxy): IMAPACCESSFILE denies " + *rule);
        return kDenied;
    }
    std::lock_guard lock(countsMu_);
    if (address == held) return nullptr;
    if (perIp_[address] >= config_.maxPerIp) {
        ++Metrics::instance().connectionsRefused;
        log::info("refused " + address +
                  " (named by a proxy): Too many connections from your "
                  "address");
        return kTooMany;
    }
    ++perIp_[address];
    if (!held.empty() && --perIp_[held] <= 0) perIp_.erase(held);
    return nullptr;
}

void Server::adopt(Accepted a) {
    ++Metrics::instance().connectionsAccepted;
    const char* refusal = nullptr;
    bool trusted = config_.trustedNetworks.contains(a.ip);
    if (a.proxyProtocol && !trusted) {
        // Its header would name any address it liked: nobody else's word is taken.
        ++Metrics::instance().connectionsRefused;
        ++Metrics::instance().proxyHeadersRefused;
        log::info("refused " + a.ip +
                  ": a PROXY protocol listener, and the peer is not in MAILDEX_TRUSTED_NETWORKS");
        ::close(a.fd);
        return;
    }
    // On a PROXY protocol listener the access file and MAXPERIP apply to the client the
    // header names (admitClient), not to the proxy every connection comes from.
    if (auto rule = a.proxyProtocol ? std::nullopt : accessDenied(a.ip)) {
        ++Metrics::instance().connectionsRefused;
        log::info("refused " + a.ip + ": IMAPACCESSFILE denies " + *rule);
        static const char kDenied[] = "* BYE Access denied from your address\r\n";
        if (!a.implicitTls) [[maybe_unused]]
            auto n = ::send(a.fd, kDenied, sizeof kDenied - 1, MSG_NOSIGNAL);
        ::close(a.fd);
        return;
    }
    // MAXPERIP counts clients. A trusted proxy is not one: every connection through it
    // would share its 20 slots (nginx without proxy_protocol names nobody), and a burst of
    // new connections would be refused before their ID fields named anyone. So a trusted
    // peer's connections count per address only once a client is named (admitClient);
    // MAXDAEMONS bounds them all, and the proxy limits its own clients.
    bool perAddress = !a.proxyProtocol && !trusted;
    {
        std::lock_guard lock(countsMu_);
        if (draining_)
            refusal = "* BYE Server shutting down\r\n";
        else if (total_ >= connectionLimit_)
            refusal = "* BYE Too many connections to this server, try again later\r\n";
        else if (perAddress && perIp_[a.ip] >= config_.maxPerIp)
            refusal = "* BYE Too many connections from your address\r\n";
        if (!refusal) {
            ++total_;
            if (perAddress) ++perIp_[a.ip];
        } else if (perAddress && perIp_[a.ip] == 0) {
            perIp_.erase(a.ip);
        }
    }
    if (refusal) {
        ++Metrics::instance().connectionsRefused;
        // The reason as the client reads it, without "* BYE " and the line's CRLF.
        std::string_view reason(refusal + 6);
        log::info(std::string("refused ") + a.ip + ": " +
                  std::string(reason.substr(0, reason.find('\r'))));
        // A TLS client would not understand a plain-text answer; it just sees the close.
        if (!a.implicitTls) [[maybe_unused]]
            auto n = ::send(a.fd, refusal, std::strlen(refusal), MSG_NOSIGNAL);
        ::close(a.fd);
        return;
    }
    std::uint64_t id = nextId_++;
    EventLoop* loop = loops_[id % loops_.size()].get();
    ConnectionOrigin origin{a.ip,
                            static_cast<std::uint16_t>(a.port),
                            a.implicitTls,
                            a.loopback,
                            a.proxyProtocol,
                            trusted,
                            perAddress};
    auto connection = std::make_shared<Connection>(*context_, *loop, a.fd, std::move(origin), id);
    loop->post([loop, connection] {
        loop->add(connection);
        connection->start();
    });
}

void Server::inEachLoop(const std::function<void(EventLoop&)>& f) {
    for (auto& loop : loops_) {
        std::promise<void> done;
        auto future = done.get_future();
        loop->post([&] {
            f(*loop);
            done.set_value();
        });
        future.get();
    }
}

std::vector<SessionInfo> Server::who() {
    std::vector<SessionInfo> out;
    inEachLoop([&](EventLoop& loop) {
        loop.forEach([&](Connection& c) {
            out.push_back({c.id(), c.user(), c.peer(), c.idling()});
        });
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

int Server::kick(const std::string& user, const std::string& ip) {
    int n = 0;
    inEachLoop([&](EventLoop& loop) {
        loop.forEach([&](Connection& c) {
            if ((!user.empty() && c.user() == user) || (!ip.empty() && c.ip() == ip)) {
                c.shutdown("Disconnected by the administrator");
                ++n;
            }
        });
    });
    log::info("kicked " + std::to_string(n) + " session(s) of " + (user.empty() ? ip : user));
    return n;
}

void Server::housekeeping() {
    // What the closed databases held is scattered over the allocator's per-thread arenas,
    // between blocks still in use; without a trim those pages stay with the process.
    if (index::Mailstore::closeUnusedDatabases(kIndexCloseAfter) > 0) ::malloc_trim(0);
}

void Server::requestStop() {
    char c = 's';
    [[maybe_unused]] auto n = ::write(stopPipe_[1], &c, 1);
}

void Server::drain() {
    // Stop accepting, say BYE to every session once its command in flight has finished,
    // and wait (a while) for the connections to go.
    draining_ = true;
    for (auto& l : listeners_)
        l->stop();
    inEachLoop([](EventLoop& loop) {
        loop.forEach([](Connection& c) { c.shutdown("Server shutting down"); });
    });
    for (int i = 0; i < 100; ++i) {
        std::size_t open = 0;
        inEachLoop([&](EventLoop& loop) { open += loop.size(); });
        if (open == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (auto& loop : loops_)
        loop->stop();
    workers_->stop();
}

int Server::run() {
    // Signals go to this thread only: they are blocked everywhere else (main blocks them
    // before any thread starts) and collected here with sigwait.
    for (auto& loop : loops_)
        loop->start();
    for (auto& l : listeners_)
        l->start();
    for (const auto& l : listening())
        log::info("listening on " + l);
    // systemd's Type=notify: the ports are bound and accepting, the users loaded.
    notifier_.send("READY=1\nMAINPID=" + std::to_string(::getpid()) + "\nSTATUS=Serving IMAP");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    std::thread stopWatcher([this] {
        char c;
        if (::read(stopPipe_[0], &c, 1) == 1) ::kill(::getpid(), SIGTERM);
    });
    const timespec housekeepingEvery{1, 0};
    while (true) {
        int sig = ::sigtimedwait(&set, nullptr, &housekeepingEvery);
        if (sig < 0) {
            if (errno == EAGAIN) housekeeping();
            continue;
        }
        if (sig == SIGHUP) {
            notifier_.send("RELOADING=1");
            if (tls_) tls_->reload();
            authentication_->reload();
            try {
                loadAccessList();
            } catch (const std::exception& e) {
                log::error(std::string(e.what()) + "; keeping the access rules read before");
            }
            notifier_.send("READY=1");
            continue;
        }
        log::info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ", draining");
        break;
    }
    notifier_.send("STOPPING=1");
    drain();
    ::close(stopPipe_[1]);
    stopPipe_[1] = -1;
    stopWatcher.join();
    log::info("stopped");
    return 0;
}

}  // namespace maildex::net
