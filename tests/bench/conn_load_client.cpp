// The load's connections (conn_load.h): one thread, one epoll set, each connection
// logging in, selecting INBOX and idling, and the storer that makes the changes the
// idlers time.

#include "conn_load.h"

namespace conn_load {

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
        case State::Compress:
            return "COMPRESS";
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

Load::Load(const Options& o) : o_(o) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) die("epoll_create1 failed");
    for (const auto& s : o_.sources) {
        in_addr a{};
        if (::inet_pton(AF_INET, s.c_str(), &a) != 1) die("bad source address " + s);
        if ((ntohl(a.s_addr) >> 24) != 127) die("source " + s + " is not loopback");
        sources_.push_back(a);
    }
    if (::inet_pton(AF_INET, o_.host.c_str(), &server_.sin_addr) != 1) die("bad host " + o_.host);
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

Load::~Load() {
    for (auto& c : conns_)
        if (c && c->state != State::Closed) closeConn(*c, true);
    if (ctx_) SSL_CTX_free(ctx_);
    ::close(epoll_);
}

bool Load::ramp(int target, bool guards) {
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

void Load::wait(double seconds) {
    auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        pump(static_cast<int>(std::max<long>(1, std::min<long>(100, left.count()))));
    }
}

bool Load::checkGuards() {
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
            fail("stopped-by-process-guard: " + std::to_string(tasks) + " tasks on the machine > " +
                 std::to_string(o_.maxTasks));
            guardStop_ = true;
            return false;
        }
    }
    return true;
}

bool Load::checkSlow() {
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

bool Load::openStorer() {
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

void Load::round(LatencyRound r, const std::function<void()>& act, double timeoutS, int& missing) {
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

void Load::storeFlag(int number, bool on) {
    storerTagged_ = false;
    send(*storer_, "s" + std::to_string(number) + " UID STORE " + std::to_string(storerUid_) +
                       (on ? " +" : " -") + "FLAGS (\\Flagged)\r\n");
}

void Load::waitStorer(double seconds) {
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (!storerTagged_ && !failed() && Clock::now() < deadline)
        pump(20);
}

std::uint32_t Load::minExists() const {
    std::uint32_t m = UINT32_MAX;
    for (auto& c : conns_)
        if (c && c->state == State::Idle) m = std::min(m, c->exists);
    return m == UINT32_MAX ? 0 : m;
}

void Load::fail(const std::string& reason) {
    if (failure_.empty()) {
        failure_ = reason;
        failedAtIdle_ = idle_;
    }
}

void Load::setControl(int fd) {
    control_ = fd;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = kControl;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

void Load::waitFor(const std::string& word) {
    while (!commands_.count(word) && !commands_.count("quit"))
        pump(100);
}

void Load::readControl() {
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

Conn& Load::openConn(bool storer) {
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

void Load::pump(int timeoutMs) {
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

void Load::onEvent(Conn& c, std::uint32_t events) {
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

void Load::readIn(Conn& c) {
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
        if (!c.deflate) {
            c.in.append(buf, static_cast<size_t>(n));
        } else if (!inflateBytes(*c.deflate, buf, static_cast<size_t>(n), c.in)) {
            failConn(c, "corrupt compressed data from the server");
            return;
        }
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
        failConn(c, std::string("connection closed by the server in state ") + stateName(c.state));
    if (c.state != State::Closed && c.in.empty() && c.in.capacity() > 0)
        std::string().swap(c.in);  // idle connections keep no buffer
}

void Load::send(Conn& c, const std::string& text) {
    if (c.deflate)
        deflateText(*c.deflate, text, c.out);
    else
        c.out += text;
    flushOut(c);
}

void Load::flushOut(Conn& c) {
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

void Load::onLine(Conn& c, std::string_view line) {
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
            if (startsWith(line, "a OK") && o_.compress) {
                c.state = State::Compress;
                send(c, "z COMPRESS DEFLATE\r\n");
            } else if (startsWith(line, "a OK")) {
                c.state = State::Select;
                send(c, "b SELECT INBOX\r\n");
            } else if (startsWith(line, "a ")) {
                failConn(c, "LOGIN: " + std::string(line.substr(0, 120)));
            }
            return;
        case State::Compress:
            // The server sends nothing after its OK until the next command: what follows
            // in this read (nothing) would be compressed.
            if (startsWith(line, "z OK")) {
                c.deflate = startDeflate();
                c.state = State::Select;
                send(c, "b SELECT INBOX\r\n");
            } else if (startsWith(line, "z ")) {
                failConn(c, "COMPRESS: " + std::string(line.substr(0, 120)));
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

void Load::sample(Conn& c) {
    c.seenRound = round_.number;
    round_.samples->push_back(msBetween(round_.t0, Clock::now()));
    --round_.pending;
}

std::string Load::stuckStates() const {
    std::map<std::string, int> count;
    for (auto& c : conns_)
        if (c && c->state != State::Idle && c->state != State::Closed && c->state != State::Ready)
            ++count[stateName(c->state)];
    std::string out;
    for (auto& [k, v] : count)
        out += (out.empty() ? "" : ",") + k + ":" + std::to_string(v);
    return out;
}

void Load::failConn(Conn& c, const std::string& reason) {
    fail(reason + " [connection " + std::to_string(c.index + 1) + ", " + std::to_string(idle_) +
         " in IDLE]");
    closeConn(c, false);
}

void Load::closeConn(Conn& c, bool reset) {
    if (c.state == State::Idle) --idle_;
    if (c.state != State::Idle && c.state != State::Ready && c.state != State::Closed) --settingUp_;
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
    c.deflate.reset();
}

}  // namespace conn_load
