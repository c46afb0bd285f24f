#include "net/connection.h"
#include "net/channel_binding.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "base/fs_identity.h"
#include "base/log.h"
#include "net/event_loop.h"
#include "net/metrics.h"
#include "net/tls_context.h"
#include "net/worker_pool.h"

namespace maildex::net {

namespace {
// Unprocessed input a connection may hold before we stop reading from it.
constexpr std::size_t kInputBound = 256 * 1024;
// Resume a suspended command once the unread output is below this.
constexpr std::size_t kResumeBelow = 64 * 1024;
// An idle session's report of at most this many messages is written by the loop itself.
constexpr std::size_t kLoopReportLimit = 64;
// A proxy sends its header at once: a peer that has not within seconds holds a
// connection for nothing.
std::chrono::seconds proxyHeaderTimeout(const core::ServerConfig& cfg) {
    return std::min(cfg.preauthTimeout, std::chrono::seconds(10));
}
}  // namespace

Connection::Connection(ServerContext& server, EventLoop& loop, int fd, ConnectionOrigin origin,
                       std::uint64_t id)
    : server_(server),
      loop_(loop),
      fd_(fd),
      id_(id),
      implicitTls_(origin.implicitTls),
      proxyProtocol_(origin.proxyProtocol),
      clientIp_(origin.ip),
      clientPort_(origin.port),
      slot_(origin.countedPerAddress ? origin.ip : std::string()) {
    const auto& cfg = server.config;
    core::TransportInfo transport;
    transport.tlsOffered = server.tls && cfg.startTls && !origin.implicitTls;
    transport.tlsActive = false;
    // Behind a PROXY protocol listener the bytes are the client's own, and the header
    // decides (net/connection_proxy.cpp). Elsewhere a trusted peer speaks IMAP itself
    // (nginx's mail proxy, Dovecot's): its ID fields count, and like loopback it may log
    // in without TLS under IMAP_TLS_REQUIRED=1, as it met the client over TLS or chose not
    // to; the decision is the proxy's to make.
    transport.peerTrusted = origin.peerTrusted && !origin.proxyProtocol;
    transport.plaintextAuthAllowed =
        !cfg.tlsRequired || (!origin.proxyProtocol &&
                             ((origin.loopback && cfg.plaintextLoopback) || transport.peerTrusted));
    transport.clientAddress = std::move(origin.ip);
    transport.clientPort = origin.port;
    transport.sessionId = id_;
    engine_ = std::make_unique<core::Engine>(cfg.imap, server.authenticator, transport);
    if (implicitTls_) {
        ssl_ = server.tls->newConnection();
        SSL_set_fd(ssl_, fd_);
        phase_ = Phase::Handshake;
    }
    // The header comes before anything else, TLS included.
    if (proxyProtocol_) phase_ = Phase::ProxyHeader;
    ++Metrics::instance().connectionsOpen;
}

std::string Connection::peer() const {
    if (clientIp_.empty()) return {};
    bool v6 = clientIp_.find(':') != std::string::npos;
    return (v6 ? "[" + clientIp_ + "]" : clientIp_) + ":" + std::to_string(clientPort_);
}

Connection::~Connection() {
    if (phase_ != Phase::Closed) {
        if (ssl_) SSL_free(ssl_);
        ::close(fd_);
        --Metrics::instance().connectionsOpen;
    }
    // The engine's last file work (a half-received APPEND's file in tmp/, the session's
    // folders and index) as the user, on whichever thread the connection ends.
    base::FsIdentityScope as(engine_->session().fsIdentity());
    engine_.reset();
}

void Connection::start() {
    // The folder's wakeup may fire on any thread (once until the engine looks): it asks
    // the loop to look, holding no reference to the connection (which may be going away).
    // Two words, so std::function keeps it without a heap block of its own.
    EventLoop* loop = &loop_;
    std::uint64_t id = id_;
    engine_->session().setWakeup([loop, id] {
        loop->post([loop, id] {
            if (Connection* c = loop->find(id)) c->maybeSchedule();
        });
    });
    loop_.watch(fd_, id_, EPOLLIN, false);
    interest_ = EPOLLIN;
    if (phase_ == Phase::ProxyHeader) return;  // readProxyHeader() once bytes come
    begin();
}

void Connection::begin() {
    if (implicitTls_) {
        phase_ = Phase::Handshake;
        continueHandshake();
        return;
    }
    phase_ = Phase::Open;
    greeted_ = true;
    engine_->start();  // no worker has the engine yet
    queueOutput(engine_->output());
    engine_->output().clear();
    flush();
}

std::optional<std::string> Connection::channelBinding(std::string_view type) const {
    return ssl_ ? tlsChannelBinding(ssl_, type) : std::nullopt;
}

void Connection::continueHandshake() {
    ERR_clear_error();
    int r = SSL_accept(ssl_);
    if (r == 1) {
        ++Metrics::instance().tlsHandshakesOk;
        phase_ = Phase::Open;
        // No worker has the engine during a handshake (nothing is scheduled then).
        engine_->session().tlsNegotiated(SSL_get_version(ssl_),
                                         SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_)), this);
        if (implicitTls_ && !greeted_) {
            // Implicit TLS: the engine greets only now, knowing TLS is on from the start.
            greeted_ = true;
            engine_->session().tlsStarted();
            engine_->start();
            queueOutput(engine_->output());
            engine_->output().clear();
        }
        updateInterest();
        flush();
        maybeSchedule();
        return;
    }
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        std::uint32_t want = err == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
        if (want != interest_) {
            loop_.watch(fd_, id_, want, true);
            interest_ = want;
        }
        return;
    }
    ++Metrics::instance().tlsHandshakesFailed;
    closeBecause("TLS handshake failed: " + opensslErrors());
    close();
}

void Connection::onEvents(std::uint32_t events) {
    if (phase_ == Phase::Closed) return;
    if (phase_ == Phase::Lingering) {
        drainLingering();
        return;
    }
    if (phase_ == Phase::ProxyHeader) {
        readProxyHeader();
        return;
    }
    if (phase_ == Phase::Handshake) {
        if (events & (EPOLLERR | EPOLLHUP)) {
            closeBecause("client closed the connection during the TLS handshake");
            close();
            return;
        }
        continueHandshake();
        return;
    }
    if (events & EPOLLOUT) flush();
    if (phase_ == Phase::Closed) return;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readSome();
}

void Connection::readSome() {
    auto& buf = loop_.readBuffer();
    while (incoming_.size() < kInputBound) {
        ssize_t n;
        if (ssl_) {
            ERR_clear_error();
            int r = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
            if (r <= 0) {
                int err = SSL_get_error(ssl_, r);
                if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
                n = 0;  // closed or broken: the same to us
            } else {
                n = r;
            }
        } else {
            n = ::read(fd_, buf.data(), buf.size());
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        }
        if (n <= 0) {
            eof_ = true;
            break;
        }
        incoming_.append(buf.data(), static_cast<size_t>(n));
        bytesIn_ += static_cast<std::uint64_t>(n);
        lastInput_ = Clock::now();
    }
    if (eof_) {
        closeBecause("client closed the connection");
        // The client is gone: nothing it sent after this matters, nothing more can be
        // sent to it. A command in flight finishes (its changes are committed) first.
        if (!scheduled_) {
            close();
            return;
        }
        phase_ = Phase::Closing;
        loop_.unwatch(fd_);
        interest_ = 0;
        return;
    }
    maybeSchedule();
    updateInterest();
}

void Connection::updateInterest() {
    if (phase_ != Phase::Open) return;
    std::uint32_t want = 0;
    if (incoming_.size() < kInputBound && !startTlsAfterFlush_ && !closeAfterFlush_)
        want |= EPOLLIN;
    if (outgoingSize() > 0) want |= EPOLLOUT;
    if (want != interest_) {
        loop_.watch(fd_, id_, want, true);
        interest_ = want;
    }
}

void Connection::flush() {
    while (outgoingSize() > 0) {
        const char* data = outgoing_.data() + outOffset_;
        size_t len = outgoingSize();
        ssize_t n;
        if (ssl_) {
            ERR_clear_error();
            int r = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(len, 1 << 30)));
            if (r <= 0) {
                int err = SSL_get_error(ssl_, r);
                if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) break;
                closeBecause("TLS write failed: " + opensslErrors());
                close();
                return;
            }
            n = r;
        } else {
            n = ::send(fd_, data, len, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) break;
                closeBecause(std::string("write failed: ") + std::strerror(errno));
                close();
                return;
            }
        }
        outOffset_ += static_cast<size_t>(n);
        bytesOut_ += static_cast<std::uint64_t>(n);
        lastWriteProgress_ = Clock::now();
    }
    if (outgoingSize() == 0) {
        // Give the memory back: an idle connection holds no buffer.
        std::string().swap(outgoing_);
        outOffset_ = 0;
        if (closeAfterFlush_) {
            linger();
            return;
        }
        if (startTlsAfterFlush_) {
            startTlsAfterFlush_ = false;
            incoming_.clear();  // sent before the handshake: never trusted (see Engine)
            ssl_ = server_.tls->newConnection();
            SSL_set_fd(ssl_, fd_);
            phase_ = Phase::Handshake;
            tlsStartedPending_ = true;
            continueHandshake();
            return;
        }
    } else if (outOffset_ > 1024 * 1024) {
        outgoing_.erase(0, outOffset_);
        outOffset_ = 0;
    }
    // Output held back for the client to read (a suspended command, changes for an idle
    // session) goes on once it has read most of what waits.
    if (outgoingSize() < kResumeBelow && (suspended_ || engine_->session().wakeupPending()))
        maybeSchedule();
    updateInterest();
}

void Connection::queueOutput(std::string_view bytes) {
    if (bytes.empty()) return;
    // The write timeout counts from the moment output waits, not from the last write.
    if (outgoingSize() == 0) lastWriteProgress_ = Clock::now();
    outgoing_ += bytes;
}

void Connection::maybeSchedule() {
    if (scheduled_ || phase_ != Phase::Open) return;
    if (Clock::now() < delayUntil_) return;
    WorkItem item;
    // Cleared by the engine when it looks (notifyChanges), not here: a wakeup left
    // pending by a command that did not look is looked at the next time round.
    bool wakeup = engine_->session().wakeupPending();
    item.tlsStarted = std::exchange(tlsStartedPending_, false);
    item.shutdownReason = shutdownReason_;
    if (suspended_) {
        if (outgoingSize() >= kResumeBelow && item.shutdownReason.empty()) return;
        item.resume = true;
    } else {
        item.input = std::move(incoming_);
        incoming_.clear();
    }
    item.wakeup = wakeup;
    item.keepalive = std::exchange(keepaliveDue_, false);
    bool onlyWakeup = item.input.empty() && !item.resume && !item.keepalive && !item.tlsStarted &&
                      item.shutdownReason.empty();
    if (onlyWakeup && !item.wakeup) return;
    // Changes for a client that has not read what waits are reported once it has (flush
    // calls again): they pile up in the folder's log, not in this connection's output.
    if (onlyWakeup && outgoingSize() >= kResumeBelow) return;
    if (onlyWakeup && idling_ && engine_->session().unreportedChanges() <= kLoopReportLimit) {
        reportInLoop();
        return;
    }
    scheduled_ = true;
    server_.workers.post([self = shared_from_this(), item = std::move(item)]() mutable {
        self->work(std::move(item));
    });
    updateInterest();
}

void Connection::reportInLoop() {
    // The engine is ours while no worker has it. A change wakes every idler of the
    // folder at once; for the usual few lines, handing each one to a worker and back
    // cost more than writing them (at 1,000 idlers, most of the time to the last one).
    auto status = engine_->notifyChanges();
    if (status == core::Engine::Next::Close) closeBecauseOfBye(engine_->output());
    queueOutput(engine_->output());
    std::string().swap(engine_->output());
    if (status == core::Engine::Next::Close) closeAfterFlush_ = true;
    flush();
}

void Connection::work(WorkItem item) {
    auto& session = engine_->session();
    core::Engine::Next status = core::Engine::Next::Command;
    auto started = Clock::now();
    if (item.tlsStarted) session.tlsStarted();
    if (!item.shutdownReason.empty()) {
        session.shutdown(item.shutdownReason);
        status = core::Engine::Next::Close;
    } else {
        if (!item.input.empty()) engine_->feed(item.input);
        status = item.resume ? engine_->resume() : engine_->run();
        if (status == core::Engine::Next::Command && item.wakeup) status = engine_->notifyChanges();
        if (status == core::Engine::Next::Command && item.keepalive) session.keepalive();
    }
    (void)started;
    WorkResult result{status,
                      std::move(engine_->output()),
                      session.takeResponseDelay(),
                      session.idling(),
                      session.authenticated(),
                      {},
                      {}};
    engine_->output().clear();
    // The name for the log and /who, taken when the session logs in (again, after an
    // UNAUTHENTICATE: then it may be another user's).
    if (result.authenticated && session.userName() != lastUser_)
        result.user = lastUser_ = session.userName();
    result.clientChange = session.takeClientChange();
    loop_.post([self = shared_from_this(), result = std::move(result)]() mutable {
        self->afterWork(std::move(result));
    });
}

void Connection::afterWork(WorkResult r) {
    scheduled_ = false;
    auto& m = Metrics::instance();
    if (r.authenticated != authenticated_) {
        authenticated_ = r.authenticated;
        m.connectionsAuthenticated += authenticated_ ? 1 : -1;
    }
    if (!r.user.empty()) user_ = r.user;
    if (r.clientChange && phase_ == Phase::Open) {
        // ID fields of a trusted proxy named the client (core/session_proxy_id.cpp). A
        // command the proxy pipelined behind them has run under the new address already;
        // a refused client is sent away after it.
        if (const char* refusal = moveClient(r.clientChange->first, r.clientChange->second)) {
            std::string_view reason(refusal + 6);
            shutdown(std::string(reason.substr(0, reason.find('\r'))));
        } else {
            ++m.clientsFromId;
        }
    }
    if (r.idling != idling_) {
        idling_ = r.idling;
        m.connectionsIdle += idling_ ? 1 : -1;
        nextKeepalive_ = Clock::now() + server_.config.imap.idleKeepalive;
    }
    if (phase_ == Phase::Closing || phase_ == Phase::Closed) {
        close();
        return;
    }
    if (r.delay.count() > 0) {
        // A failed login: the answer (and the next command) waits.
        delayed_ += r.output;
        delayUntil_ = Clock::now() + r.delay;
        loop_.tickNoLaterThan(delayUntil_);
    } else {
        queueOutput(r.output);
    }
    suspended_ = r.status == core::Engine::Next::Suspended;
    if (r.status == core::Engine::Next::Close) {
        closeBecauseOfBye(r.output);
        closeAfterFlush_ = true;
    }
    if (r.status == core::Engine::Next::StartTls) startTlsAfterFlush_ = true;
    flush();
    if (phase_ == Phase::Open) maybeSchedule();
}

void Connection::tick(Clock::time_point now) {
    if (phase_ == Phase::Closed) return;
    const auto& cfg = server_.config;
    if (!delayed_.empty() && now >= delayUntil_) {
        queueOutput(delayed_);
        delayed_.clear();
        flush();
        if (phase_ != Phase::Open) return;
        maybeSchedule();
    }
    if (!delayed_.empty()) loop_.tickNoLaterThan(delayUntil_);  // this tick came too early
    if (phase_ == Phase::Lingering) {
        if (now >= lingerUntil_) close();
        return;
    }
    if (phase_ == Phase::ProxyHeader && now - connectedAt_ > proxyHeaderTimeout(cfg)) {
        ++Metrics::instance().proxyHeadersRefused;
        closeBecause("no PROXY header in time");
        close();
        return;
    }
    if (phase_ == Phase::Handshake && now - connectedAt_ > cfg.preauthTimeout) {
        closeBecause("no TLS handshake in time");
        close();
        return;
    }
    if (phase_ != Phase::Open) return;
    if (outgoingSize() > 0 && now - lastWriteProgress_ > cfg.writeTimeout) {
        closeBecause("client does not read its output (nothing read for " +
                     std::to_string(cfg.writeTimeout.count()) + " s)");
        close();
        return;
    }
    if (!authenticated_ && now - connectedAt_ > cfg.preauthTimeout) {
        shutdown("Autologout: no login in time");
        return;
    }
    if (authenticated_ && now - lastInput_ > cfg.autologout) {
        shutdown("Autologout: idle for too long");
        return;
    }
    if (idling_ && now >= nextKeepalive_) {
        nextKeepalive_ = now + cfg.imap.idleKeepalive;
        keepaliveDue_ = true;
        maybeSchedule();
    }
}

void Connection::shutdown(const std::string& reason) {
    if (phase_ != Phase::Open) {
        if (phase_ == Phase::Handshake || phase_ == Phase::ProxyHeader) {
            closeBecause(reason);
            close();
        }
        return;
    }
    shutdownReason_ = reason;
    suspended_ = false;
    maybeSchedule();
}

void Connection::abort() {
    closeBecause("closed by the server without a word");
    close();
}

void Connection::logDisconnect() const {
    // One line per connection's end, as Courier's LOGOUT/DISCONNECTED lines: for
    // accounting and fail2ban, with the session's id, address and user as on its other
    // lines.
    double seconds = std::chrono::duration<double>(Clock::now() - connectedAt_).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", seconds);
    std::string prefix = "session " + std::to_string(id_) + " " + peer();
    if (!user_.empty()) prefix += " " + user_;
    log::info(prefix + ": disconnected (" +
              (closeReason_.empty() ? std::string("closed") : closeReason_) + ") after " + took +
              ", " + std::to_string(bytesIn_) + " bytes in, " + std::to_string(bytesOut_) +
              " bytes out");
}

void Connection::closeBecause(std::string_view reason) {
    if (closeReason_.empty()) closeReason_ = reason;
}

void Connection::closeBecauseOfBye(std::string_view output) {
    // The engine's last word is "* BYE text" (LOGOUT, a line too long, a shutdown, a
    // deleted mailbox): the text is the reason, as the client was told it.
    auto at = output.rfind("* BYE ");
    if (at == std::string_view::npos || (at > 0 && output[at - 1] != '\n')) {
        closeBecause("closed by the server");
        return;
    }
    auto text = output.substr(at + 6);
    closeBecause(text.substr(0, text.find_first_of("\r\n")));
}

void Connection::linger() {
    // How long a client that goes on sending after our last word is read and ignored.
    constexpr auto kLinger = std::chrono::seconds(2);
    if (ssl_) {
        ERR_clear_error();
        SSL_shutdown(ssl_);  // close_notify; the client's answer is not waited for
    }
    if (::shutdown(fd_, SHUT_WR) != 0) {
        close();
        return;
    }
    phase_ = Phase::Lingering;
    lingerUntil_ = Clock::now() + kLinger;
    loop_.watch(fd_, id_, EPOLLIN, true);
    interest_ = EPOLLIN;
    loop_.tickNoLaterThan(lingerUntil_);
    drainLingering();
}

void Connection::drainLingering() {
    // What a client may still send while we linger; one that sends on and on is closed on
    // (its reset is its own doing).
    constexpr std::size_t kLingerBytes = 256 * 1024;
    auto& buf = loop_.readBuffer();
    for (;;) {
        // Raw bytes, TLS or not: nothing the client says now is looked at.
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n > 0 && (lingerRead_ += static_cast<std::size_t>(n)) < kLingerBytes) continue;
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        close();  // the client closed too (or the socket failed): nothing left to lose
        return;
    }
}

void Connection::close() {
    if (phase_ == Phase::Closed) return;
    auto& m = Metrics::instance();
    if (authenticated_) --m.connectionsAuthenticated;
    if (idling_) --m.connectionsIdle;
    authenticated_ = idling_ = false;
    if (scheduled_) {
        // The worker still has the engine; finish closing when it hands it back.
        phase_ = Phase::Closing;
        loop_.unwatch(fd_);
        return;
    }
    phase_ = Phase::Closed;
    logDisconnect();
    engine_->session().setWakeup({});
    loop_.unwatch(fd_);
    if (ssl_) {
        SSL_shutdown(ssl_);
        SSL_free(ssl_);
        ssl_ = nullptr;
    }
    ::close(fd_);
    // The slot first, then the gauge: whoever sees the gauge drop (a test waiting for
    // its probe to be gone, an operator) may count on the slot being free.
    if (server_.onClosed) server_.onClosed(slot_);
    --m.connectionsOpen;
    loop_.remove(id_);
}

}  // namespace maildex::net
