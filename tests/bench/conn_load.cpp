// Connection load generator for scripts/bench-connections: one thread, one epoll set,
// tens of thousands of IMAP connections (plain or implicit TLS) that log in, select
// INBOX and sit in IDLE. It measures the server it talks to from outside: the PSS of the
// server's process tree (/proc/PID/smaps_rollup of the server and all its descendants),
// and the time from a change (a delivery into new/, a UID STORE by another client) to the
// untagged response at every idler.
//
//   conn_load memory  --steps 1000,10000        PSS per connection at each step
//   conn_load latency --idlers 1000 --rounds 20 --maildir DIR
//                                               delivery→EXISTS and STORE→FETCH
//   conn_load max     --max 50000 --step 5000   connections held before anything failed
//
// Common options:
//   --host 127.0.0.1 --port N [--tls]     the server (loopback only)
//   --sources 127.0.0.2,127.0.0.3,...     client source addresses, used in turn (each has
//                                         its own ephemeral port range)
//   --users K --user-format u%04d --password PW
//                                         connection i logs in as user (i % K) + 1
//   --server-pid PID                      root of the server's process tree (PSS)
//   --window W                            connections being set up at once
//   --timeout S                           seconds a step may take
//   --settle S                            seconds to wait before measuring
//   --conn-timeout S                      a connection not in IDLE after S seconds fails
//   --min-available-mb M --max-tasks T    (max) stop before the machine runs out of
//                                         memory or process ids
//
// Output: "key=value ..." lines on stdout, one per result; progress on stderr. The exit
// code is 0 when the load ran (a server failing under it is a result, reported as
// "failed=1 reason=..."), 2 on bad usage or a setup error.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}
double msBetween(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "conn_load: %s\n", message.c_str());
    std::exit(2);
}

double percentile(std::vector<double> v, double p);

void progress(const char* fmt, ...) {
    std::va_list ap;
    va_start(ap, fmt);
    std::fprintf(stderr, "  [load] ");
    std::vfprintf(stderr, fmt, ap);
    std::fprintf(stderr, "\n");
    va_end(ap);
}

// Spaces would break the "key=value" output.
std::string oneWord(std::string s) {
    for (char& c : s)
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') c = '_';
    if (s.size() > 200) s.resize(200);
    return s;
}

struct Options {
    std::string mode;
    std::string host = "127.0.0.1";
    int port = 0;
    bool tls = false;
    std::vector<std::string> sources{"127.0.0.1"};
    int users = 1;
    std::string userFormat = "u%04d";
    std::string password = "pw";
    int serverPid = 0;
    int window = 256;
    double timeout = 300;
    double settle = 3;
    double connTimeout = 60;  // a connection not in IDLE this long after connecting fails
    std::vector<int> steps;
    int idlers = 1000;
    int rounds = 20;
    std::string maildir;
    int max = 50000;
    int step = 5000;
    long minAvailableMb = 3072;
    long maxTasks = 0;
    // Set in the processes of a sharded run: this process opens connections
    // shard, shard + shards, shard + 2 * shards, ... of the whole load.
    int shard = 0;
    int shards = 1;
    bool quiet = false;  // no progress lines (the shards of a max run)
};

// ---------------------------------------------------------------------------------------
// Memory of the server: the sum of PSS over a process and all its descendants.

struct TreeMemory {
    long pssKb = 0;
    long pssAnonKb = 0;
    int processes = 0;
};

// The server and all its descendants.
std::vector<int> processTree(int root) {
    std::vector<int> out;
    if (root <= 0) return out;
    std::map<int, std::vector<int>> children;
    if (DIR* d = ::opendir("/proc")) {
        while (dirent* e = ::readdir(d)) {
            int pid = std::atoi(e->d_name);
            if (pid <= 0) continue;
            std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
            std::string text;
            std::getline(stat, text);
            auto close = text.rfind(')');
            if (close == std::string::npos) continue;
            std::istringstream rest(text.substr(close + 2));
            char state;
            int ppid = 0;
            rest >> state >> ppid;
            children[ppid].push_back(pid);
        }
        ::closedir(d);
    }
    std::vector<int> todo{root};
    while (!todo.empty()) {
        int pid = todo.back();
        todo.pop_back();
        out.push_back(pid);
        for (int c : children[pid])
            todo.push_back(c);
    }
    return out;
}

TreeMemory treeMemory(int root) {
    TreeMemory m;
    for (int pid : processTree(root)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
        std::string line;
        bool any = false;
        while (std::getline(in, line)) {
            if (line.rfind("Pss:", 0) == 0) {
                m.pssKb += std::atol(line.c_str() + 4);
                any = true;
            } else if (line.rfind("Pss_Anon:", 0) == 0) {
                m.pssAnonKb += std::atol(line.c_str() + 9);
            }
        }
        if (any) ++m.processes;
    }
    return m;
}

// CPU time and context switches of the server's process tree (every thread).
struct TreeCpu {
    double cpuMs = 0;
    long switches = 0;
};

TreeCpu treeCpu(int root) {
    TreeCpu t;
    static const double tick = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    for (int pid : processTree(root)) {
        std::string base = "/proc/" + std::to_string(pid);
        std::ifstream stat(base + "/stat");
        std::string text;
        std::getline(stat, text);
        auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(text.substr(close + 2));
        std::string f;
        for (int i = 3; i <= 13; ++i)  // fields 3..13; utime and stime are 14 and 15
            rest >> f;
        long utime = 0, stime = 0;
        rest >> utime >> stime;
        t.cpuMs += static_cast<double>(utime + stime) * tick;
        if (DIR* d = ::opendir((base + "/task").c_str())) {
            while (dirent* e = ::readdir(d)) {
                if (e->d_name[0] == '.') continue;
                std::ifstream st(base + "/task/" + e->d_name + "/status");
                std::string line;
                while (std::getline(st, line))
                    if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
                        line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
                        t.switches += std::atol(line.c_str() + line.find(':') + 1);
            }
            ::closedir(d);
        }
    }
    return t;
}

double ownCpuMs() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0;
}

long memAvailableMb() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("MemAvailable:", 0) == 0) return std::atol(line.c_str() + 13) / 1024;
    return -1;
}

long tasksOnMachine() {  // the 4th field of /proc/loadavg: "running/total"
    std::ifstream in("/proc/loadavg");
    std::string a, b, c, d;
    in >> a >> b >> c >> d;
    auto slash = d.find('/');
    return slash == std::string::npos ? -1 : std::atol(d.c_str() + slash + 1);
}

// ---------------------------------------------------------------------------------------
// Connections.

enum class State : std::uint8_t {
    Connecting,
    Handshake,
    Greeting,
    Login,
    Select,
    IdleStart,
    Idle,
    Ready,  // the storer: selected, not idling
    Closed,
};

const char* stateName(State s) {
    switch (s) {
        case State::Connecting:
            return "connecting";
        case State::Handshake:
            return "TLS-handshake";
        case State::Greeting:
            return "waiting-for-greeting";
        case State::Login:
            return "LOGIN";
        case State::Select:
            return "SELECT";
        case State::IdleStart:
            return "IDLE-start";
        case State::Idle:
            return "IDLE";
        case State::Ready:
            return "selected";
        case State::Closed:
            return "closed";
    }
    return "?";
}

struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::Connecting;
    bool storer = false;
    int index = 0;
    std::string in;   // bytes of an incomplete line
    std::string out;  // bytes not yet written
    Clock::time_point started;
    std::uint32_t exists = 0;
    int seenRound = -1;
};

struct LatencyRound {
    enum class Kind { None, Exists, Fetch } kind = Kind::None;
    int number = -1;
    std::uint32_t wantExists = 0;
    bool wantFlagged = false;
    Clock::time_point t0;
    int pending = 0;
    std::vector<double>* samples = nullptr;
};

class Load {
  public:
    explicit Load(const Options& o) : o_(o) {
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) die("epoll_create1 failed");
        for (const auto& s : o_.sources) {
            in_addr a{};
            if (::inet_pton(AF_INET, s.c_str(), &a) != 1) die("bad source address " + s);
            if ((ntohl(a.s_addr) >> 24) != 127) die("source " + s + " is not loopback");
            sources_.push_back(a);
        }
        if (::inet_pton(AF_INET, o_.host.c_str(), &server_.sin_addr) != 1)
            die("bad host " + o_.host);
        if ((ntohl(server_.sin_addr.s_addr) >> 24) != 127) die("host is not loopback");
        server_.sin_family = AF_INET;
        server_.sin_port = htons(static_cast<std::uint16_t>(o_.port));
        if (o_.tls) {
            ctx_ = SSL_CTX_new(TLS_client_method());
            SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
            SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                       SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
            SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
        }
    }

    ~Load() {
        for (auto& c : conns_)
            if (c && c->state != State::Closed) closeConn(*c, true);
        if (ctx_) SSL_CTX_free(ctx_);
        ::close(epoll_);
    }

    int idle() const { return idle_; }
    bool failed() const { return !failure_.empty(); }
    const std::string& failure() const { return failure_; }
    int opened() const { return static_cast<int>(conns_.size()); }

    // Opens connections until `target` idlers are in IDLE. False (with failure()) when
    // any connection failed, a guard stopped it, or the deadline passed.
    bool ramp(int target, bool guards) {
        auto deadline = Clock::now() + std::chrono::duration<double>(o_.timeout);
        auto nextGuard = Clock::now();
        auto nextReport = Clock::now() + std::chrono::seconds(5);
        auto begin = Clock::now();
        int startIdle = idle_;
        while (idle_ < target) {
            if (failed() || stop_) return false;
            if (Clock::now() >= nextGuard) {
                nextGuard = Clock::now() + std::chrono::milliseconds(500);
                if (guards && !checkGuards()) return false;
                if (!checkSlow()) return false;
                if (onProgress_) onProgress_(idle_);
            }
            while (settingUp_ < o_.window && idlers_ < target) {
                openConn(false);
                if (failed()) return false;
            }
            pump(100);
            if (Clock::now() > deadline) {
                fail("timeout: " + std::to_string(settingUp_) + " connections not in IDLE after " +
                     std::to_string(static_cast<int>(o_.timeout)) + "s (" + stuckStates() + ")");
                return false;
            }
            if (Clock::now() >= nextReport && !o_.quiet) {
                nextReport = Clock::now() + std::chrono::seconds(5);
                progress("%d connections in IDLE, %d being set up (%.0f/s)", idle_, settingUp_,
                         (idle_ - startIdle) / secondsSince(begin));
            }
        }
        return !failed();
    }

    // Handles events for `seconds`.
    void wait(double seconds) {
        auto until = Clock::now() + std::chrono::duration<double>(seconds);
        while (Clock::now() < until) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            pump(static_cast<int>(std::max<long>(1, std::min<long>(100, left.count()))));
        }
    }

    bool checkGuards() {
        long avail = memAvailableMb();
        if (avail >= 0 && avail < o_.minAvailableMb) {
            fail("stopped-by-memory-guard: MemAvailable " + std::to_string(avail) + " MB < " +
                 std::to_string(o_.minAvailableMb) + " MB");
            guardStop_ = true;
            return false;
        }
        if (o_.maxTasks > 0) {
            long tasks = tasksOnMachine();
            if (tasks > o_.maxTasks) {
                fail("stopped-by-process-guard: " + std::to_string(tasks) +
                     " tasks on the machine > " + std::to_string(o_.maxTasks));
                guardStop_ = true;
                return false;
            }
        }
        return true;
    }
    bool guardStop() const { return guardStop_; }

    // Fails the first connection that has been setting up for longer than --conn-timeout
    // (a server that stopped accepting leaves connections in its listen queue, unanswered).
    bool checkSlow() {
        auto limit = std::chrono::duration<double>(o_.connTimeout);
        for (size_t i = firstPending_; i < conns_.size(); ++i) {
            Conn& c = *conns_[i];
            if (c.state == State::Idle || c.state == State::Closed || c.state == State::Ready) {
                if (i == firstPending_) ++firstPending_;
                continue;
            }
            if (Clock::now() - c.started > limit) {
                failConn(c, "no answer within " + std::to_string(static_cast<int>(o_.connTimeout)) +
                                "s in state " + stateName(c.state));
                return false;
            }
        }
        return true;
    }

    // The storer: one more connection (user 1), selected, not idling; learns the UID of
    // message 1.
    bool openStorer() {
        Conn& c = openConn(true);
        auto deadline = Clock::now() + std::chrono::seconds(60);
        while (c.state != State::Ready && !failed() && Clock::now() < deadline)
            pump(50);
        if (c.state != State::Ready) {
            if (!failed()) fail("storer not ready");
            return false;
        }
        storer_ = &c;
        send(c, "u0 FETCH 1 (UID)\r\n");
        storerTagged_ = false;
        while (!storerTagged_ && !failed() && Clock::now() < deadline)
            pump(50);
        if (storerUid_ == 0) {
            if (!failed()) fail("no UID for message 1");
            return false;
        }
        return !failed();
    }

    // Runs one latency round: `act` makes the change; waits until every idler reported it.
    void round(LatencyRound r, const std::function<void()>& act, double timeoutS, int& missing) {
        r.pending = 0;
        for (auto& c : conns_)
            if (c && c->state == State::Idle) ++r.pending;
        round_ = r;
        std::size_t before = r.samples->size();
        round_.t0 = Clock::now();
        act();
        auto deadline = Clock::now() + std::chrono::duration<double>(timeoutS);
        while (round_.pending > 0 && Clock::now() < deadline && !failed())
            pump(20);
        missing += round_.pending;
        round_.kind = LatencyRound::Kind::None;
        // Per round, on stderr: a slow round among fast ones is a different story from
        // every round being slow, and p99 cannot tell them apart.
        std::vector<double> mine(r.samples->begin() + static_cast<std::ptrdiff_t>(before),
                                 r.samples->end());
        if (!mine.empty())
            progress("round %d: p50 %.2f ms, max %.2f ms", r.number, percentile(mine, 50),
                     *std::max_element(mine.begin(), mine.end()));
    }

    void storeFlag(int number, bool on) {
        storerTagged_ = false;
        send(*storer_, "s" + std::to_string(number) + " UID STORE " + std::to_string(storerUid_) +
                           (on ? " +" : " -") + "FLAGS (\\Flagged)\r\n");
    }
    void waitStorer(double seconds) {
        auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
        while (!storerTagged_ && !failed() && Clock::now() < deadline)
            pump(20);
    }

    std::uint32_t minExists() const {
        std::uint32_t m = UINT32_MAX;
        for (auto& c : conns_)
            if (c && c->state == State::Idle) m = std::min(m, c->exists);
        return m == UINT32_MAX ? 0 : m;
    }

    void fail(const std::string& reason) {
        if (failure_.empty()) {
            failure_ = reason;
            failedAtIdle_ = idle_;
        }
    }
    int failedAtIdle() const { return failedAtIdle_; }

    // The parent of a sharded run talks to this process through `fd`: "stop" (stop
    // opening connections), "hold", "quit".
    void setControl(int fd) {
        control_ = fd;
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = kControl;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }
    bool stopRequested() const { return stop_; }
    // Called about twice a second while ramping, with the number in IDLE.
    void onProgress(std::function<void(int)> f) { onProgress_ = std::move(f); }
    // Handles events until the parent says `word`.
    void waitFor(const std::string& word) {
        while (!commands_.count(word) && !commands_.count("quit"))
            pump(100);
    }

  private:
    static constexpr std::uint32_t kControl = UINT32_MAX;

    int globalNumber(const Conn& c) const { return c.index * o_.shards + o_.shard; }

    void readControl() {
        char buf[256];
        ssize_t n;
        while ((n = ::read(control_, buf, sizeof buf)) > 0)
            controlIn_.append(buf, static_cast<size_t>(n));
        if (n == 0) commands_.insert("quit");  // the parent is gone
        size_t nl;
        while ((nl = controlIn_.find('\n')) != std::string::npos) {
            std::string word = controlIn_.substr(0, nl);
            controlIn_.erase(0, nl + 1);
            commands_.insert(word);
            if (word == "stop" || word == "quit") stop_ = true;
        }
    }

    Conn& openConn(bool storer) {
        auto c = std::make_unique<Conn>();
        c->index = static_cast<int>(conns_.size());
        c->storer = storer;
        c->started = Clock::now();
        Conn& ref = *c;
        conns_.push_back(std::move(c));
        ++settingUp_;
        if (!storer) ++idlers_;
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            failConn(ref, std::string("socket: ") + std::strerror(errno));
            return ref;
        }
        ref.fd = fd;
        int one = 1;
        ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr = sources_[static_cast<size_t>(globalNumber(ref)) % sources_.size()];
        if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
            failConn(ref, std::string("bind: ") + std::strerror(errno));
            return ref;
        }
        if (::connect(fd, reinterpret_cast<sockaddr*>(&server_), sizeof server_) != 0 &&
            errno != EINPROGRESS) {
            failConn(ref, std::string("connect: ") + std::strerror(errno));
            return ref;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.u32 = static_cast<std::uint32_t>(ref.index);
        if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0)
            failConn(ref, std::string("epoll_ctl: ") + std::strerror(errno));
        return ref;
    }

    void pump(int timeoutMs) {
        epoll_event events[512];
        int n = ::epoll_wait(epoll_, events, 512, timeoutMs);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u32 == kControl) {
                readControl();
                continue;
            }
            Conn& c = *conns_[events[i].data.u32];
            if (c.state == State::Closed) continue;
            onEvent(c, events[i].events);
        }
    }

    void onEvent(Conn& c, std::uint32_t events) {
        if (c.state == State::Connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                failConn(c, std::string("connect: ") + std::strerror(err));
                return;
            }
            if (!(events & (EPOLLOUT | EPOLLIN))) return;
            if (o_.tls) {
                c.ssl = SSL_new(ctx_);
                SSL_set_fd(c.ssl, c.fd);
                c.state = State::Handshake;
            } else {
                c.state = State::Greeting;
            }
        }
        if (c.state == State::Handshake) {
            ERR_clear_error();
            int r = SSL_connect(c.ssl);
            if (r != 1) {
                int e = SSL_get_error(c.ssl, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
                char buf[256] = "";
                ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
                failConn(c, std::string("TLS handshake failed: ") + buf);
                return;
            }
            c.state = State::Greeting;
        }
        if (!c.out.empty()) flushOut(c);
        if (c.state == State::Closed) return;
        readIn(c);
    }

    void readIn(Conn& c) {
        char buf[16384];
        bool eof = false;
        while (c.state != State::Closed) {
            ssize_t n;
            if (c.ssl) {
                ERR_clear_error();
                int r = SSL_read(c.ssl, buf, sizeof buf);
                if (r <= 0) {
                    int e = SSL_get_error(c.ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
                    eof = true;
                    break;
                }
                n = r;
            } else {
                n = ::read(c.fd, buf, sizeof buf);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
                if (n <= 0) {
                    eof = true;
                    break;
                }
            }
            c.in.append(buf, static_cast<size_t>(n));
            size_t start = 0;
            while (c.state != State::Closed) {
                auto end = c.in.find("\r\n", start);
                if (end == std::string::npos) break;
                onLine(c, std::string_view(c.in).substr(start, end - start));
                start = end + 2;
            }
            if (c.state == State::Closed) return;
            c.in.erase(0, start);
            if (c.in.size() > 1 << 20) {
                failConn(c, "line too long from server");
                return;
            }
        }
        if (eof && c.state != State::Closed)
            failConn(c,
                     std::string("connection closed by the server in state ") + stateName(c.state));
        if (c.state != State::Closed && c.in.empty() && c.in.capacity() > 0)
            std::string().swap(c.in);  // idle connections keep no buffer
    }

    void send(Conn& c, const std::string& text) {
        c.out += text;
        flushOut(c);
    }

    void flushOut(Conn& c) {
        while (!c.out.empty() && c.state != State::Closed) {
            ssize_t n;
            if (c.ssl) {
                ERR_clear_error();
                int r = SSL_write(c.ssl, c.out.data(), static_cast<int>(c.out.size()));
                if (r <= 0) {
                    int e = SSL_get_error(c.ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
                    failConn(c, "TLS write failed");
                    return;
                }
                n = r;
            } else {
                n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
                if (n < 0) {
                    if (errno == EAGAIN || errno == EINTR) return;
                    failConn(c, std::string("write: ") + std::strerror(errno));
                    return;
                }
            }
            c.out.erase(0, static_cast<size_t>(n));
        }
        if (c.out.empty() && c.out.capacity() > 0) std::string().swap(c.out);
    }

    static bool startsWith(std::string_view s, std::string_view p) {
        return s.substr(0, p.size()) == p;
    }

    // "* N WORD ..." → N, or 0.
    static std::uint32_t untaggedNumber(std::string_view line, std::string_view word) {
        if (!startsWith(line, "* ")) return 0;
        size_t i = 2;
        std::uint32_t n = 0;
        bool digits = false;
        while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
            n = n * 10 + static_cast<std::uint32_t>(line[i] - '0');
            ++i;
            digits = true;
        }
        if (!digits || i >= line.size() || line[i] != ' ') return 0;
        if (line.substr(i + 1, word.size()) != word) return 0;
        return n;
    }

    void onLine(Conn& c, std::string_view line) {
        if (startsWith(line, "* BYE")) {
            failConn(c, "server said: " + std::string(line.substr(0, 120)) + " (in state " +
                            stateName(c.state) + ")");
            return;
        }
        if (std::uint32_t n = untaggedNumber(line, "EXISTS")) {
            c.exists = n;
            if (c.state == State::Idle && round_.kind == LatencyRound::Kind::Exists &&
                c.seenRound != round_.number && n >= round_.wantExists)
                sample(c);
        } else if (untaggedNumber(line, "FETCH") == 1 && c.state == State::Idle &&
                   round_.kind == LatencyRound::Kind::Fetch && c.seenRound != round_.number) {
            bool flagged = line.find("\\Flagged") != std::string_view::npos;
            if (line.find("FLAGS (") != std::string_view::npos && flagged == round_.wantFlagged)
                sample(c);
        }
        switch (c.state) {
            case State::Greeting:
                if (!startsWith(line, "* OK")) {
                    failConn(c, "greeting: " + std::string(line.substr(0, 120)));
                    return;
                }
                {
                    char user[128];
                    int u = c.storer ? 1 : (globalNumber(c) % o_.users) + 1;
                    std::snprintf(user, sizeof user, o_.userFormat.c_str(), u);
                    c.state = State::Login;
                    send(c, std::string("a LOGIN ") + user + " " + o_.password + "\r\n");
                }
                return;
            case State::Login:
                if (startsWith(line, "a OK")) {
                    c.state = State::Select;
                    send(c, "b SELECT INBOX\r\n");
                } else if (startsWith(line, "a ")) {
                    failConn(c, "LOGIN: " + std::string(line.substr(0, 120)));
                }
                return;
            case State::Select:
                if (startsWith(line, "b OK")) {
                    if (c.storer) {
                        c.state = State::Ready;
                        --settingUp_;
                    } else {
                        c.state = State::IdleStart;
                        send(c, "c IDLE\r\n");
                    }
                } else if (startsWith(line, "b ")) {
                    failConn(c, "SELECT: " + std::string(line.substr(0, 120)));
                }
                return;
            case State::IdleStart:
                if (startsWith(line, "+")) {
                    c.state = State::Idle;
                    --settingUp_;
                    ++idle_;
                } else if (startsWith(line, "c ")) {
                    failConn(c, "IDLE: " + std::string(line.substr(0, 120)));
                }
                return;
            case State::Ready:
                if (startsWith(line, "* 1 FETCH") && storerUid_ == 0) {
                    auto p = line.find("UID ");
                    if (p != std::string_view::npos)
                        storerUid_ = static_cast<std::uint32_t>(
                            std::strtoul(std::string(line.substr(p + 4)).c_str(), nullptr, 10));
                } else if (startsWith(line, "u0 ") || startsWith(line, "s")) {
                    if (!startsWith(line, "* ")) {
                        auto sp = line.find(' ');
                        if (sp != std::string_view::npos && line.substr(sp + 1, 2) != "OK")
                            failConn(c, "storer: " + std::string(line.substr(0, 120)));
                        storerTagged_ = true;
                    }
                }
                return;
            default:
                return;
        }
    }

    void sample(Conn& c) {
        c.seenRound = round_.number;
        round_.samples->push_back(msBetween(round_.t0, Clock::now()));
        --round_.pending;
    }

    std::string stuckStates() const {
        std::map<std::string, int> count;
        for (auto& c : conns_)
            if (c && c->state != State::Idle && c->state != State::Closed &&
                c->state != State::Ready)
                ++count[stateName(c->state)];
        std::string out;
        for (auto& [k, v] : count)
            out += (out.empty() ? "" : ",") + k + ":" + std::to_string(v);
        return out;
    }

    void failConn(Conn& c, const std::string& reason) {
        fail(reason + " [connection " + std::to_string(c.index + 1) + ", " + std::to_string(idle_) +
             " in IDLE]");
        closeConn(c, false);
    }

    void closeConn(Conn& c, bool reset) {
        if (c.state == State::Idle) --idle_;
        if (c.state != State::Idle && c.state != State::Ready && c.state != State::Closed)
            --settingUp_;
        if (c.state == State::Idle && round_.kind != LatencyRound::Kind::None &&
            c.seenRound != round_.number)
            --round_.pending;
        c.state = State::Closed;
        if (c.ssl) {
            SSL_free(c.ssl);
            c.ssl = nullptr;
        }
        if (c.fd >= 0) {
            if (reset) {  // no TIME_WAIT left behind: the next run reuses these ports
                linger l{1, 0};
                ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            ::close(c.fd);
            c.fd = -1;
        }
        std::string().swap(c.in);
        std::string().swap(c.out);
    }

    const Options& o_;
    int epoll_ = -1;
    SSL_CTX* ctx_ = nullptr;
    sockaddr_in server_{};
    std::vector<in_addr> sources_;
    std::vector<std::unique_ptr<Conn>> conns_;
    size_t firstPending_ = 0;  // connections before this one are set up (or gone)
    int settingUp_ = 0;        // opened, not yet idle (or ready), not failed
    int idlers_ = 0;           // idler connections opened
    int idle_ = 0;
    std::string failure_;
    int failedAtIdle_ = 0;
    bool guardStop_ = false;
    int control_ = -1;
    std::string controlIn_;
    std::set<std::string> commands_;
    bool stop_ = false;
    std::function<void(int)> onProgress_;
    LatencyRound round_;
    Conn* storer_ = nullptr;
    std::uint32_t storerUid_ = 0;
    bool storerTagged_ = false;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

// Raises the open-file limit to `want` (the hard limit too, which needs
// CAP_SYS_RESOURCE), or as far as the hard limit allows.
void raiseFileLimit(long want, bool warn) {
    rlimit lim{static_cast<rlim_t>(want), static_cast<rlim_t>(want)};
    if (::setrlimit(RLIMIT_NOFILE, &lim) == 0) return;
    rlimit cur{};
    ::getrlimit(RLIMIT_NOFILE, &cur);
    cur.rlim_cur = cur.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &cur);
    if (warn && static_cast<long>(cur.rlim_cur) < want)
        progress("warning: open file limit is %ld, below the %ld this load needs",
                 static_cast<long>(cur.rlim_cur), want);
}

void printMemory(const char* label, int connections, const TreeMemory& base,
                 const TreeMemory& now) {
    double perConn = connections > 0 ? double(now.pssKb - base.pssKb) / connections : 0;
    double perConnAnon = connections > 0 ? double(now.pssAnonKb - base.pssAnonKb) / connections : 0;
    std::printf(
        "%s connections=%d pss_kb=%ld base_pss_kb=%ld processes=%d base_processes=%d "
        "per_conn_kb=%.2f per_conn_anon_kb=%.2f\n",
        label, connections, now.pssKb, base.pssKb, now.processes, base.processes, perConn,
        perConnAnon);
    std::fflush(stdout);
}

int runMemory(const Options& o) {
    Load load(o);
    TreeMemory base = treeMemory(o.serverPid);
    progress("baseline: %ld kB PSS in %d process(es)", base.pssKb, base.processes);
    for (int step : o.steps) {
        auto t = Clock::now();
        bool ok = load.ramp(step, false);
        double rampS = secondsSince(t);
        if (ok) {
            progress("%d in IDLE after %.1fs; settling %.0fs", load.idle(), rampS, o.settle);
            load.wait(o.settle);
        }
        if (!ok || load.failed()) {
            TreeMemory now = treeMemory(o.serverPid);
            std::printf("memory step=%d failed=1 held=%d reason=%s pss_kb=%ld processes=%d\n", step,
                        load.failedAtIdle(), oneWord(load.failure()).c_str(), now.pssKb,
                        now.processes);
            std::fflush(stdout);
            return 0;
        }
        TreeMemory now = treeMemory(o.serverPid);
        char label[64];
        std::snprintf(label, sizeof label, "memory step=%d ramp_s=%.1f", step, rampS);
        printMemory(label, load.idle(), base, now);
    }
    return 0;
}

int runLatency(const Options& o) {
    Load load(o);
    auto t = Clock::now();
    if (!load.ramp(o.idlers, false) || !load.openStorer()) {
        std::printf("latency failed=1 held=%d reason=%s\n", load.failedAtIdle(),
                    oneWord(load.failure()).c_str());
        return 0;
    }
    progress("%d idlers and a storer ready after %.1fs", load.idle(), secondsSince(t));
    load.wait(o.settle);

    // Delivery → "* N EXISTS" at every idler. The message is written to tmp/ first (as an
    // MTA does, fsynced), the clock starts just before the rename into new/.
    TreeCpu cpu0 = treeCpu(o.serverPid);
    double own0 = ownCpuMs();
    std::vector<double> deliver;
    int deliverMissing = 0;
    std::uint32_t exists = load.minExists();
    std::string body =
        "From: bench@example.org\r\nTo: u@example.org\r\nSubject: bench delivery\r\n"
        "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <bench@example.org>\r\n\r\n"
        "A delivery from scripts/bench-connections.\r\n";
    for (int r = 0; r < o.rounds && !load.failed(); ++r) {
        char name[128];
        std::snprintf(name, sizeof name, "%ld.B%dR%d.bench", static_cast<long>(::time(nullptr)),
                      ::getpid(), r);
        std::string tmp = o.maildir + "/tmp/" + name, dst = o.maildir + "/new/" + name;
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) die("cannot write " + tmp + ": " + std::strerror(errno));
        if (::write(fd, body.data(), body.size()) != static_cast<ssize_t>(body.size()))
            die("short write to " + tmp);
        ::fsync(fd);
        ::close(fd);
        LatencyRound round;
        round.kind = LatencyRound::Kind::Exists;
        round.number = r;
        round.wantExists = exists + static_cast<std::uint32_t>(r) + 1;
        round.samples = &deliver;
        load.round(
            round,
            [&] {
                if (::rename(tmp.c_str(), dst.c_str()) != 0)
                    die("rename into new/: " + std::string(std::strerror(errno)));
            },
            60, deliverMissing);
        load.wait(0.2);
    }
    load.wait(2);

    // UID STORE +FLAGS / -FLAGS (\Flagged) on message 1 by the storer → "* 1 FETCH" at
    // every idler. The clock starts just before the command is written.
    std::vector<double> store;
    int storeMissing = 0;
    load.storeFlag(0, false);  // start from "not flagged"
    load.waitStorer(30);
    load.wait(2);
    int storeRounds = o.rounds + (o.rounds % 2);  // even: message 1 ends up unflagged
    for (int r = 1; r <= storeRounds && !load.failed(); ++r) {
        LatencyRound round;
        round.kind = LatencyRound::Kind::Fetch;
        round.number = 1000 + r;
        round.wantFlagged = r % 2 == 1;
        round.samples = &store;
        load.round(
            round, [&] { load.storeFlag(r, r % 2 == 1); }, 60, storeMissing);
        load.waitStorer(30);
        load.wait(0.2);
    }
    auto line = [](const char* name, const std::vector<double>& v, int missing) {
        std::printf("%s samples=%zu missing=%d min_ms=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
                    name, v.size(), missing, percentile(v, 0), percentile(v, 50), percentile(v, 99),
                    v.empty() ? -1.0 : *std::max_element(v.begin(), v.end()));
    };
    line("latency_deliver_exists", deliver, deliverMissing);
    line("latency_store_fetch", store, storeMissing);
    // What the rounds cost (including the pauses between them): for telling a server that
    // is slow from a machine that is busy.
    TreeCpu cpu1 = treeCpu(o.serverPid);
    int changes = o.rounds + storeRounds;
    std::printf(
        "latency_cost changes=%d idlers=%d server_cpu_ms_per_change=%.2f "
        "server_switches_per_change=%.0f client_cpu_ms_per_change=%.2f\n",
        changes, o.idlers, (cpu1.cpuMs - cpu0.cpuMs) / changes,
        double(cpu1.switches - cpu0.switches) / changes, (ownCpuMs() - own0) / changes);
    if (load.failed()) std::printf("latency failed=1 reason=%s\n", oneWord(load.failure()).c_str());
    std::fflush(stdout);
    return 0;
}

// One shard of a max run (a child process): ramps its share in steps, reports to the
// parent on `out`, and takes "stop", "hold" and "quit" on `in`.
int runMaxShard(const Options& o, int share, int in, int out) {
    Load load(o);
    load.setControl(in);
    auto say = [out](const std::string& line) {
        std::string l = line + "\n";
        [[maybe_unused]] auto n = ::write(out, l.data(), l.size());
    };
    load.onProgress([&](int idle) { say("progress " + std::to_string(idle)); });
    int step = std::max(1, o.step / o.shards);
    for (int target = std::min(step, share);; target = std::min(target + step, share)) {
        if (!load.ramp(target, true)) break;
        say("progress " + std::to_string(load.idle()));
        if (target >= share) break;
    }
    bool failed = load.failed() && !load.guardStop();
    int held = load.failed() ? load.failedAtIdle() : load.idle();
    say("ramped " + std::to_string(held) + " " + (failed ? "1" : "0") + " " +
        (load.guardStop() ? "1" : "0") + " " +
        oneWord(load.failure().empty() ? "-" : load.failure()));
    load.waitFor("hold");
    int before = load.idle();
    load.wait(o.settle);
    say("held " + std::to_string(load.idle()) + " " + std::to_string(before - load.idle()));
    load.waitFor("quit");
    return 0;
}

// Max: up to --max connections, spread over as many processes as the open-file limit
// asks for (each process holds at most what its limit allows).
int runMax(Options o) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    long perProcess = std::max<long>(1000, static_cast<long>(lim.rlim_cur) - 1024);
    o.shards = static_cast<int>((o.max + perProcess - 1) / perProcess);
    TreeMemory base = treeMemory(o.serverPid);
    auto begin = Clock::now();
    struct Child {
        pid_t pid;
        int in, out;
        std::string buf;
        int idle = 0;
        bool ramped = false, held = false;
        int afterHold = 0, lost = 0;
    };
    std::vector<Child> children;
    for (int k = 0; k < o.shards; ++k) {
        int down[2], up[2];
        if (::pipe(down) != 0 || ::pipe(up) != 0) die("pipe failed");
        int share = o.max / o.shards + (k < o.max % o.shards ? 1 : 0);
        std::fflush(nullptr);
        pid_t pid = ::fork();
        if (pid < 0) die("fork failed");
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the run
            for (auto& c : children) {
                ::close(c.in);
                ::close(c.out);
            }
            ::close(down[1]);
            ::close(up[0]);
            Options mine = o;
            mine.shard = k;
            mine.quiet = true;
            std::_Exit(runMaxShard(mine, share, down[0], up[1]));
        }
        ::close(down[0]);
        ::close(up[1]);
        children.push_back({pid, down[1], up[0], {}});
    }
    auto tell = [&](const char* word) {
        for (auto& c : children) {
            std::string l = std::string(word) + "\n";
            [[maybe_unused]] auto n = ::write(c.in, l.data(), l.size());
        }
    };
    int held = 0, atFailure = -1;
    bool failed = false, guard = false, stopped = false, holdSent = false;
    std::string reason;
    auto nextReport = Clock::now() + std::chrono::seconds(5);
    double rampS = 0;
    while (true) {
        bool allHeld = true;
        for (auto& c : children)
            allHeld = allHeld && c.held;
        if (allHeld) break;
        std::vector<pollfd> fds;
        for (auto& c : children)
            fds.push_back({c.out, POLLIN, 0});
        ::poll(fds.data(), fds.size(), 500);
        for (size_t i = 0; i < children.size(); ++i) {
            auto& c = children[i];
            if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char tmp[4096];
            ssize_t n = ::read(c.out, tmp, sizeof tmp);
            if (n <= 0) {
                if (!c.held) {
                    c.ramped = c.held = true;
                    if (reason.empty()) reason = "load process " + std::to_string(i) + " died";
                    failed = true;
                }
                continue;
            }
            c.buf.append(tmp, static_cast<size_t>(n));
            size_t nl;
            while ((nl = c.buf.find('\n')) != std::string::npos) {
                std::istringstream line(c.buf.substr(0, nl));
                c.buf.erase(0, nl + 1);
                std::string kind;
                line >> kind;
                if (kind == "progress") {
                    line >> c.idle;
                } else if (kind == "ramped") {
                    int f = 0, g = 0;
                    std::string why;
                    line >> c.idle >> f >> g >> why;
                    c.ramped = true;
                    if ((f || g) && !stopped) {
                        // The first failure stops every shard where it stands; what the
                        // others last reported is what was held at that moment.
                        atFailure = 0;
                        for (auto& other : children)
                            atFailure += other.idle;
                        stopped = true;
                        failed = f;
                        guard = g;
                        reason = why;
                        tell("stop");
                    }
                } else if (kind == "held") {
                    line >> c.afterHold >> c.lost;
                    c.held = true;
                }
            }
        }
        bool allRamped = true;
        for (auto& c : children)
            allRamped = allRamped && c.ramped;
        if (allRamped && !holdSent) {
            holdSent = true;
            rampS = secondsSince(begin);
            held = 0;
            for (auto& c : children)
                held += c.idle;
            progress("held %d connections after %.0fs; holding them %.0fs", held, rampS, o.settle);
            tell("hold");
        }
        if (Clock::now() >= nextReport && !holdSent) {
            nextReport = Clock::now() + std::chrono::seconds(5);
            int sum = 0;
            for (auto& c : children)
                sum += c.idle;
            progress("%d connections in IDLE after %.0fs (%d load processes)", sum,
                     secondsSince(begin), o.shards);
        }
    }
    int afterHold = 0, lost = 0;
    for (auto& c : children) {
        afterHold += c.afterHold;
        lost += c.lost;
    }
    TreeMemory now = treeMemory(o.serverPid);
    std::printf(
        "max held=%d at_first_failure=%d target=%d guard=%d failed=%d reason=%s ramp_s=%.1f "
        "still_idle_after_hold=%d lost_during_hold=%d pss_kb=%ld base_pss_kb=%ld processes=%d "
        "per_conn_kb=%.2f load_processes=%d\n",
        held, atFailure, o.max, guard ? 1 : 0, failed ? 1 : 0,
        oneWord(reason.empty() ? "none" : reason).c_str(), rampS, afterHold, lost, now.pssKb,
        base.pssKb, now.processes, afterHold > 0 ? double(now.pssKb - base.pssKb) / afterHold : 0.0,
        o.shards);
    std::fflush(stdout);
    tell("quit");
    for (auto& c : children) {
        ::waitpid(c.pid, nullptr, 0);
        ::close(c.in);
        ::close(c.out);
    }
    return 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s) {
        if (ch == sep) {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) die("usage: conn_load memory|latency|max [options] (see the source)");
    Options o;
    o.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value for " + a);
            return argv[++i];
        };
        if (a == "--host")
            o.host = next();
        else if (a == "--port")
            o.port = std::atoi(next().c_str());
        else if (a == "--tls")
            o.tls = true;
        else if (a == "--sources")
            o.sources = split(next(), ',');
        else if (a == "--users")
            o.users = std::atoi(next().c_str());
        else if (a == "--user-format")
            o.userFormat = next();
        else if (a == "--password")
            o.password = next();
        else if (a == "--server-pid")
            o.serverPid = std::atoi(next().c_str());
        else if (a == "--window")
            o.window = std::atoi(next().c_str());
        else if (a == "--timeout")
            o.timeout = std::atof(next().c_str());
        else if (a == "--settle")
            o.settle = std::atof(next().c_str());
        else if (a == "--conn-timeout")
            o.connTimeout = std::atof(next().c_str());
        else if (a == "--steps") {
            for (auto& s : split(next(), ','))
                o.steps.push_back(std::atoi(s.c_str()));
        } else if (a == "--idlers")
            o.idlers = std::atoi(next().c_str());
        else if (a == "--rounds")
            o.rounds = std::atoi(next().c_str());
        else if (a == "--maildir")
            o.maildir = next();
        else if (a == "--max")
            o.max = std::atoi(next().c_str());
        else if (a == "--step")
            o.step = std::atoi(next().c_str());
        else if (a == "--min-available-mb")
            o.minAvailableMb = std::atol(next().c_str());
        else if (a == "--max-tasks")
            o.maxTasks = std::atol(next().c_str());
        else
            die("unknown option " + a);
    }
    if (o.port <= 0) die("--port is required");
    if (o.users < 1 || o.window < 1 || o.sources.empty()) die("bad --users/--window/--sources");
    if (o.userFormat.find('%') == std::string::npos) die("--user-format needs a %d");
    int most = o.mode == "max" ? o.max : o.mode == "latency" ? o.idlers + 1 : 0;
    for (int s : o.steps)
        most = std::max(most, s);
    raiseFileLimit(most + 4096, o.mode != "max");
    std::signal(SIGPIPE, SIG_IGN);
    if (o.mode == "memory") {
        if (o.steps.empty()) die("--steps is required");
        return runMemory(o);
    }
    if (o.mode == "latency") {
        if (o.maildir.empty()) die("--maildir is required");
        return runLatency(o);
    }
    if (o.mode == "max") return runMax(o);
    die("unknown mode " + o.mode);
}
