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
//   --compress                            COMPRESS DEFLATE after LOGIN (RFC 4978)
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

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn_load.h"

namespace conn_load {

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

}  // namespace conn_load

using namespace conn_load;

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
        else if (a == "--compress")
            o.compress = true;
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
