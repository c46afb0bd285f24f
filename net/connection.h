#pragma once
// One client connection. Its socket (and TLS) belong to the event loop thread; its IMAP
// engine belongs to whichever worker runs it, and only while it runs it: the loop
// schedules at most one task per connection at a time, hands it the bytes read so far,
// and takes back the output when it is done. So no lock guards the engine, and the
// loop never waits for a command.
//
// Flow control: input is read only while the connection holds less than a bound of
// unprocessed input; a command whose output outgrows the session's budget is suspended
// and resumed when the client has read it, as are the commands after it and the change
// reports of an idle session. So what waits for a client stays near the budget however
// slowly it reads, and a slow reader is never cut off; a client that reads nothing at all
// for MAILDEX_WRITE_TIMEOUT while output waits is.

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/engine.h"
#include "core/server_config.h"

namespace maildex::core {
struct ProxyHeader;
}  // namespace maildex::core

namespace maildex::net {

class EventLoop;
class TlsManager;
class WorkerPool;

// What connections need from the server.
struct ServerContext {
    const core::ServerConfig& config;
    WorkerPool& workers;
    TlsManager* tls = nullptr;
    core::Authenticator* authenticator = nullptr;
    // Called in the loop thread when a connection is gone: the count of connections, and
    // the per-address one (MAXPERIP) of `slot` unless it is empty.
    std::function<void(const std::string& slot)> onClosed;
    // A trusted proxy named the client (a PROXY header, ID fields): IMAPACCESSFILE and
    // MAXPERIP for that address. Allowed: the per-address slot moves from `held` (empty:
    // none) to `address`, and the answer is nullptr; refused: the "* BYE ..." line to send.
    std::function<const char*(const std::string& address, const std::string& held)> admitClient;
};

// Where a connection comes from, as accepted.
struct ConnectionOrigin {
    std::string ip;
    std::uint16_t port = 0;
    bool implicitTls = false;
    bool loopback = false;
    bool proxyProtocol = false;      // a PROXY protocol header comes first (core/proxy_header.h)
    bool peerTrusted = false;        // the peer is in MAILDEX_TRUSTED_NETWORKS
    bool countedPerAddress = false;  // holds a MAXPERIP slot under `ip` (not a trusted peer)
};

class Connection final : public std::enable_shared_from_this<Connection>,
                         public core::auth::ChannelBindingSource {
  public:
    // SCRAM-SHA-256-PLUS's channel-binding data (net/channel_binding.h). Asked from the
    // worker running the session's command; it only reads what the handshake settled.
    std::optional<std::string> channelBinding(std::string_view type) const override;
    using Clock = std::chrono::steady_clock;

    Connection(ServerContext& server, EventLoop& loop, int fd, ConnectionOrigin origin,
               std::uint64_t id);
    ~Connection();

    std::uint64_t id() const { return id_; }
    // The client's address and port. The session holds them (core::TransportInfo: logins
    // and its log lines go by them, in the worker); this is the loop thread's copy, for
    // /who, /kick and the per-address count, brought up to date when a trusted proxy's
    // word replaced them (a PROXY header before the session starts, ID fields after a
    // command).
    std::string peer() const;
    const std::string& ip() const { return clientIp_; }
    const std::string& user() const { return user_; }
    bool idling() const { return idling_; }

    // Loop thread.
    void start();
    void onEvents(std::uint32_t events);
    void tick(Clock::time_point now);
    // Ends the session with "* BYE reason" after the command in flight (SIGTERM, kick).
    void shutdown(const std::string& reason);
    // Closes at once, without a word.
    void abort();

  private:
    struct WorkItem {
        std::string input;
        bool resume = false;
        bool wakeup = false;
        bool keepalive = false;
        bool tlsStarted = false;
        std::string shutdownReason;
    };
    struct WorkResult {
        core::Engine::Next status;
        std::string output;
        std::chrono::milliseconds delay;
        bool idling;
        bool authenticated;
        std::string user;
        // The client's address, when a command (ID) replaced it.
        std::optional<std::pair<std::string, std::uint16_t>> clientChange;
    };

    // Lingering: the last words are sent and the write side shut; what the client still
    // sends is read and dropped for a moment before the close, because closing a socket
    // with unread input sends a reset, which can destroy the BYE before the client reads it.
    // ProxyHeader: waiting for a PROXY protocol header, before any TLS or IMAP byte.
    enum class Phase { ProxyHeader, Handshake, Open, Lingering, Closing, Closed };

    void readSome();
    void flush();
    void updateInterest();
    void maybeSchedule();
    void reportInLoop();       // an idle session's change report, written without a worker
    void work(WorkItem item);  // worker thread
    void afterWork(WorkResult result);
    void continueHandshake();
    // The TLS handshake (implicit TLS) or the greeting: what follows the accept, or the
    // PROXY header.
    void begin();
    // Takes the PROXY header off the socket, no byte further (net/connection_proxy.cpp).
    void readProxyHeader();
    void acceptProxyHeader(const core::ProxyHeader& header);
    // A trusted proxy named the client: the per-address slot moves to it (and the loop's
    // copy of the address), and the answer is nullptr; or the "* BYE" line of the refusal.
    const char* moveClient(const std::string& ip, std::uint16_t port);
    // Ends the connection once its output is sent: lingers (see Phase), then closes.
    void linger();
    void drainLingering();
    void close();
    // Why the connection ends, for its last log line; the first cause given is kept.
    void closeBecause(std::string_view reason);
    void logDisconnect() const;
    // The reason an engine gave with its "* BYE" in `output`, when it says one.
    void closeBecauseOfBye(std::string_view output);
    std::size_t outgoingSize() const { return outgoing_.size() - outOffset_; }
    // Adds to what waits to be written.
    void queueOutput(std::string_view bytes);

    ServerContext& server_;
    EventLoop& loop_;
    const int fd_;
    const std::uint64_t id_;
    const bool implicitTls_;
    const bool proxyProtocol_;
    // The loop thread's copy of the client's address (see ip()), and the address whose
    // MAXPERIP slot the connection holds (empty: none yet, from a trusted proxy).
    std::string clientIp_;
    std::uint16_t clientPort_ = 0;
    std::string slot_;
    std::string proxyHeader_;  // the PROXY header's bytes taken so far
    bool greeted_ = false;
    SSL* ssl_ = nullptr;
    Phase phase_ = Phase::Open;
    std::uint32_t interest_ = 0;  // epoll events asked for

    std::string incoming_;  // read, not yet handed to the engine
    std::string outgoing_;  // waiting to be written
    std::size_t outOffset_ = 0;
    std::string delayed_;  // held back until delayUntil_ (failed login)
    Clock::time_point delayUntil_{};

    bool scheduled_ = false;  // a worker task is queued or running
    bool suspended_ = false;  // the engine has a command waiting for the client to read
    bool eof_ = false;
    bool closeAfterFlush_ = false;
    bool startTlsAfterFlush_ = false;
    bool tlsStartedPending_ = false;
    bool keepaliveDue_ = false;
    std::string shutdownReason_;
    // For the line logged when the connection ends (duration, bytes each way, reason).
    std::uint64_t bytesIn_ = 0;
    std::uint64_t bytesOut_ = 0;
    std::string closeReason_;

    bool authenticated_ = false;
    bool idling_ = false;
    std::string user_;
    std::string lastUser_;  // the worker's copy of the logged-in name (work() only)
    Clock::time_point connectedAt_ = Clock::now();
    Clock::time_point lastInput_ = Clock::now();
    Clock::time_point nextKeepalive_{};
    // When the client last took output, or output started to wait (for the write timeout).
    Clock::time_point lastWriteProgress_ = Clock::now();
    Clock::time_point lingerUntil_{};
    std::size_t lingerRead_ = 0;

    std::unique_ptr<core::Engine> engine_;
};

}  // namespace maildex::net
