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
//
// COMPRESS=DEFLATE (net/deflate_stream.h) sits between these buffers and the transport:
// what the engine writes is deflated as it is queued, what is read is inflated into the
// input (in steps of at most the input bound), and TLS carries the compressed bytes. Its
// zlib state is freed whenever the connection waits (see releaseCompression).

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "core/engine.h"
#include "core/server_config.h"

namespace maildex::net {

class DeflateStream;
class EventLoop;
class TlsManager;
class WorkerPool;

// What connections need from the server.
struct ServerContext {
    const core::ServerConfig& config;
    WorkerPool& workers;
    TlsManager* tls = nullptr;
    core::Authenticator* authenticator = nullptr;
    // Called in the loop thread when a connection is gone (per-address accounting).
    std::function<void(const std::string& address)> onClosed;
};

class Connection final : public std::enable_shared_from_this<Connection>,
                         public core::auth::ChannelBindingSource {
  public:
    // SCRAM-SHA-256-PLUS's channel-binding data (net/channel_binding.h). Asked from the
    // worker running the session's command; it only reads what the handshake settled.
    std::optional<std::string> channelBinding(std::string_view type) const override;
    using Clock = std::chrono::steady_clock;

    Connection(ServerContext& server, EventLoop& loop, int fd, std::string ip, int port,
               bool implicitTls, bool loopback, std::uint64_t id);
    ~Connection();

    std::uint64_t id() const { return id_; }
    // The client's address and port live in the session (which needs them for logins and
    // its log lines); fixed from the start, so the loop may read them while a worker runs.
    std::string peer() const;
    const std::string& ip() const;
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
        std::string compressedRest;  // after COMPRESS: what the engine had not parsed
    };

    // Unprocessed input a connection may hold before we stop reading from it (inflated
    // input included: compressed input waits, compressed, until there is room).
    static constexpr std::size_t kInputBound = 256 * 1024;

    // Lingering: the last words are sent and the write side shut; what the client still
    // sends is read and dropped for a moment before the close, because closing a socket
    // with unread input sends a reset, which can destroy the BYE before the client reads it.
    enum class Phase { Handshake, Open, Lingering, Closing, Closed };

    void readSome();
    void flush();
    void updateInterest();
    void maybeSchedule();
    void reportInLoop();       // an idle session's change report, written without a worker
    void work(WorkItem item);  // worker thread
    void afterWork(WorkResult result);
    void continueHandshake();
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
    // COMPRESS: turns compression on, `rest` (the input the engine had not parsed) and
    // what was read since being the first compressed input.
    void startCompression(std::string rest);
    // Inflates compressed input into incoming_, up to the input bound. False when the
    // input was corrupt and the connection is closed.
    bool inflateInput();
    // Frees the compression state while the connection waits with nothing in flight.
    void releaseCompression();

    ServerContext& server_;
    EventLoop& loop_;
    const int fd_;
    const std::uint64_t id_;
    const bool implicitTls_;
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
    Clock::time_point connectedAt_ = Clock::now();
    Clock::time_point lastInput_ = Clock::now();
    Clock::time_point nextKeepalive_{};
    // When the client last took output, or output started to wait (for the write timeout).
    Clock::time_point lastWriteProgress_ = Clock::now();
    Clock::time_point lingerUntil_{};
    std::size_t lingerRead_ = 0;

    std::unique_ptr<DeflateStream> deflate_;  // COMPRESS=DEFLATE, once on
    std::unique_ptr<core::Engine> engine_;
};

}  // namespace maildex::net
