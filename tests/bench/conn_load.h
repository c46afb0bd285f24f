#pragma once
// The parts of the connection load generator (conn_load.cpp says what it measures and
// how to run it): its options, the server's process-tree memory and CPU
// (conn_load_proc.cpp), and the connections, one epoll set of them
// (conn_load_client.cpp).

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

namespace conn_load {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}
inline double msBetween(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

[[noreturn]] inline void die(const std::string& message) {
    std::fprintf(stderr, "conn_load: %s\n", message.c_str());
    std::exit(2);
}

inline void progress(const char* fmt, ...) {
    std::va_list ap;
    va_start(ap, fmt);
    std::fprintf(stderr, "  [load] ");
    std::vfprintf(stderr, fmt, ap);
    std::fprintf(stderr, "\n");
    va_end(ap);
}

// Spaces would break the "key=value" output.
inline std::string oneWord(std::string s) {
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
    bool compress = false;  // COMPRESS DEFLATE after LOGIN (RFC 4978)
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
// The server measured from outside (conn_load_proc.cpp): its memory, the sum of PSS over
// a process and all its descendants, and its CPU time.

struct TreeMemory {
    long pssKb = 0;
    long pssAnonKb = 0;
    int processes = 0;
};

// CPU time and context switches of the server's process tree (every thread).
struct TreeCpu {
    double cpuMs = 0;
    long switches = 0;
};

// The server and all its descendants.
std::vector<int> processTree(int root);
TreeMemory treeMemory(int root);
TreeCpu treeCpu(int root);
double ownCpuMs();      // of this process
long memAvailableMb();  // of the machine
long tasksOnMachine();  // the 4th field of /proc/loadavg: "running/total"

// ---------------------------------------------------------------------------------------
// Connections.

// COMPRESS=DEFLATE's streams of one connection (conn_load_deflate.cpp).
struct Deflate;
struct DeflateDeleter {
    void operator()(Deflate* d) const;
};
std::unique_ptr<Deflate, DeflateDeleter> startDeflate();
void deflateText(Deflate& d, std::string_view text, std::string& out);
// False when the server's stream is corrupt.
bool inflateBytes(Deflate& d, const char* data, std::size_t size, std::string& out);

enum class State : std::uint8_t {
    Connecting,
    Handshake,
    Greeting,
    Login,
    Compress,
    Select,
    IdleStart,
    Idle,
    Ready,  // the storer: selected, not idling
    Closed,
};

const char* stateName(State s);

struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::Connecting;
    bool storer = false;
    int index = 0;
    std::string in;                                    // bytes of an incomplete line
    std::string out;                                   // bytes not yet written
    std::unique_ptr<Deflate, DeflateDeleter> deflate;  // after COMPRESS
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

double percentile(std::vector<double> v, double p);

class Load {
  public:
    explicit Load(const Options& o);

    ~Load();

    int idle() const { return idle_; }
    bool failed() const { return !failure_.empty(); }
    const std::string& failure() const { return failure_; }
    int opened() const { return static_cast<int>(conns_.size()); }

    // Opens connections until `target` idlers are in IDLE. False (with failure()) when
    // any connection failed, a guard stopped it, or the deadline passed.
    bool ramp(int target, bool guards);

    // Handles events for `seconds`.
    void wait(double seconds);

    bool checkGuards();
    bool guardStop() const { return guardStop_; }

    // Fails the first connection that has been setting up for longer than --conn-timeout
    // (a server that stopped accepting leaves connections in its listen queue, unanswered).
    bool checkSlow();

    // The storer: one more connection (user 1), selected, not idling; learns the UID of
    // message 1.
    bool openStorer();

    // Runs one latency round: `act` makes the change; waits until every idler reported it.
    void round(LatencyRound r, const std::function<void()>& act, double timeoutS, int& missing);

    void storeFlag(int number, bool on);
    void waitStorer(double seconds);

    std::uint32_t minExists() const;

    void fail(const std::string& reason);
    int failedAtIdle() const { return failedAtIdle_; }

    // The parent of a sharded run talks to this process through `fd`: "stop" (stop
    // opening connections), "hold", "quit".
    void setControl(int fd);
    bool stopRequested() const { return stop_; }
    // Called about twice a second while ramping, with the number in IDLE.
    void onProgress(std::function<void(int)> f) { onProgress_ = std::move(f); }
    // Handles events until the parent says `word`.
    void waitFor(const std::string& word);

  private:
    static constexpr std::uint32_t kControl = UINT32_MAX;

    int globalNumber(const Conn& c) const { return c.index * o_.shards + o_.shard; }

    void readControl();

    Conn& openConn(bool storer);

    void pump(int timeoutMs);

    void onEvent(Conn& c, std::uint32_t events);

    void readIn(Conn& c);

    void send(Conn& c, const std::string& text);

    void flushOut(Conn& c);

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

    void onLine(Conn& c, std::string_view line);

    void sample(Conn& c);

    std::string stuckStates() const;

    void failConn(Conn& c, const std::string& reason);

    void closeConn(Conn& c, bool reset);

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

}  // namespace conn_load
