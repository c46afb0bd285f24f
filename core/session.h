#pragma once
// One IMAP session: its state, its selected mailbox, and the execution of commands.
//
// Concurrency rules:
// - A session runs one command at a time; the transport calls execute(), line(),
//   notifyChanges() and keepalive() from one thread at a time (the session's strand).
// - Only the wakeup callback may be called from other threads (the index calls it when
//   the selected folder changes); it must only schedule notifyChanges() on the strand.
// - Handlers never touch sockets; they write responses into output(), which the
//   transport sends. No folder or database lock is held while output is produced for the
//   client to read.
// - Changes from anywhere (this session's STORE, another session's EXPUNGE, a delivery)
//   reach the client only through reportChanges(), at the end of a command or during
//   IDLE, with sequence numbers computed at that moment.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/fs_identity.h"
#include "core/acl/access.h"
#include "core/authenticator.h"
#include "core/config.h"
#include "core/imap/request.h"
#include "core/imap/response_writer.h"
#include "core/mailbox_names.h"
#include "index/mailbox_view.h"

namespace maildex::index {
class Mailstore;
}  // namespace maildex::index

namespace maildex::core {

struct CommandSpec;

struct NotAuthenticated {};
struct Authenticated {};
struct Selected {
    std::unique_ptr<index::MailboxView> view;
    std::string name;  // the IMAP name the client selected it by
    bool readOnly = false;
    std::size_t keywordsAnnounced = 0;  // how many keywords FLAGS last named
    acl::Rights rights;                 // the session's rights on it (courierimapacl)
    // What the list looked like when they were read (core/acl/access.h).
    acl::ListSignature rightsSignature;
    // Another account's folder, reached through #shared (core/commands/mailbox_name.h's
    // MailboxRef): the account's path and its owner's identifier. Empty: the user's own.
    std::string sharedPath;
    std::string ownerLogin;
};
struct LoggedOut {};
using SessionState = std::variant<NotAuthenticated, Authenticated, Selected, LoggedOut>;

// What the transport tells the session about the connection.
struct TransportInfo {
    bool tlsOffered = false;  // STARTTLS can be used
    bool tlsActive = false;
    // LOGIN without TLS (loopback, a trusted proxy, IMAP_TLS_REQUIRED=0).
    bool plaintextAuthAllowed = true;
    // The client's IP address and port: what failed logins are counted by, what the log,
    // MAXPERIP, IMAPACCESSFILE, /who and /kick see. The connection's peer, until a trusted
    // proxy names the real client (a PROXY header, ID's x-originating-ip): replaceClient().
    std::string clientAddress;
    bool compressOffered = false;  // COMPRESS=DEFLATE can be used (RFC 4978)
    bool compressActive = false;
    std::uint16_t clientPort = 0;
    // The peer is in MAILDEX_TRUSTED_NETWORKS and speaks IMAP itself (not a PROXY protocol
    // listener, where the bytes after the header are the client's): its ID fields count.
    bool peerTrusted = false;
    // Once a trusted proxy named the client: the proxy's "address:port", for the log.
    std::string proxyPeer;
    std::uint64_t sessionId = 0;
    // Once TLS is on: the protocol version and cipher, for the login line. OpenSSL's own
    // static names ("TLSv1.3", "TLS_AES_256_GCM_SHA384"), so no connection keeps a copy.
    const char* tlsVersion = nullptr;
    const char* tlsCipher = nullptr;
    // Once TLS is on: the connection's channel-binding data for SCRAM-SHA-256-PLUS.
    const auth::ChannelBindingSource* channelBinding = nullptr;

    // "address:port" ("[address]:port" for IPv6), for the log; empty without an address.
    std::string peer() const;
    // What a trusted proxy said about the client; once only (false, and nothing changed,
    // when the address was replaced before), so a client behind the proxy cannot rename
    // itself.
    bool replaceClient(std::string address, std::uint16_t port);
};

// What a command's tagged OK carries: an optional response code (written by a function,
// so its arguments go through the writer) and text.
struct OkReply {
    std::function<void(ResponseWriter&)> code;
    std::string text = "completed";
};

// A finished command, for metrics and the log.
struct CommandRecord {
    std::string_view name;    // "FETCH", "UID FETCH"
    std::string_view result;  // "OK", "NO", "BAD"
    std::chrono::microseconds duration;
};

class Session {
  public:
    Session(const ImapConfig& config, Authenticator* authenticator, TransportInfo transport);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Pre-authenticated (stdin/stdout mode, like Courier's "imapd ./Maildir").
    void preauthenticate(const Identity& identity);

    // After each call the transport sends output() and clears it.
    std::string& output() { return out_; }

    // What the transport does next; the Engine answers with it too (core/engine.h).
    enum class Next {
        Command,    // read more input: the next command
        Line,       // read one line and pass it to line() (IDLE's DONE, AUTHENTICATE);
                    // the Engine does that and answers Command
        Close,      // send output, then close the connection
        StartTls,   // send output, drop any input already received, negotiate TLS
        Compress,   // send output as it is; everything after it, and every byte of input
                    // not parsed yet (Engine::takeInput), is compressed (RFC 4978)
        Suspended,  // send output; call resume() once the client has read it
    };

    void greet();
    Next execute(Request request);
    // The receiver's question for each literal (Receiver::SinkFactory): a large APPEND
    // message goes straight to a file in the target folder's tmp/, not into memory.
    std::shared_ptr<LiteralSink> literalSink(const Request& soFar, std::uint64_t size);
    // APPEND messages from this size on are received into files.
    static constexpr std::uint64_t kStageAppendFrom = 256 * 1024;
    // A syntax error the receiver found: answer it under its tag.
    void rejectInput(const std::string& tag, const std::string& code, const std::string& message,
                     bool no);
    Next line(const std::string& line);
    // Continues a suspended command (a FETCH with more output than the buffer holds).
    Next resume();
    // How long the transport should hold back this output, and the next command (a
    // login's answer waiting its turn, see core/auth/login_throttle.h).
    std::chrono::milliseconds takeResponseDelay();
    // The selected folder changed: report it now if the client is idling. Re-arms the
    // wakeup first, so a change published while this looks wakes the session again.
    Next notifyChanges();
    // About how many messages notifyChanges() would report (see
    // MailboxView::unreportedChanges); 0 when nothing is selected.
    std::size_t unreportedChanges() const;
    // Called periodically while idling.
    void keepalive();
    // The server is shutting down.
    void shutdown(std::string_view reason);
    // Called (from any thread) when the selected folder changes; once until the next
    // notifyChanges(), however many changes come before it.
    void setWakeup(std::function<void()> wakeup) { wakeup_->set(std::move(wakeup)); }
    // Whether the wakeup fired and notifyChanges() has not run since.
    bool wakeupPending() const { return wakeup_->pending.load(); }
    void tlsStarted();
    // COMPRESS DEFLATE succeeded: the transport compresses from its tagged OK on.
    void compressionStarted() { transport_.compressActive = true; }
    // The transport's word on what TLS was negotiated (TransportInfo::tlsVersion).
    void tlsNegotiated(const char* version, const char* cipher,
                       const auth::ChannelBindingSource* binding = nullptr) {
        transport_.tlsVersion = version;
        transport_.tlsCipher = cipher;
        transport_.channelBinding = binding;
    }

    // The identity the session's files are touched under once logged in
    // (core/maildir_owner.h); nullopt before, and where the server does not switch. The
    // engine runs every command, report and keepalive under it (base::FsIdentityScope).
    const std::optional<base::FsIdentity>& fsIdentity() const { return fsIdentity_; }

    bool idling() const { return awaiting_ == Awaiting::IdleDone; }
    const std::string& userName() const { return user_; }
    // Who the session is for the folders' access control lists.
    const acl::Accessor& accessor() const { return accessor_; }
    // The shared-folder index this account reads (IMAP_SHAREDINDEXFILE, with the account's
    // sharedgroup option appended as Courier does); empty: no #shared namespace.
    const std::filesystem::path& sharedIndexFile() const { return sharedIndexFile_; }
    bool authenticated() const;

    // For command handlers.
    SessionState& state() { return state_; }
    const ImapConfig& config() const { return config_; }
    index::Mailstore& mailstore() { return *store_; }
    const MailboxNames& names() const { return names_; }
    ResponseWriter& writer() { return writer_; }
    bool utf8() const { return utf8_; }
    const TransportInfo& transport() const { return transport_; }
    Authenticator* authenticator() { return authenticator_; }
    std::string capabilities() const;
    // Every capability Maildex can advertise with this configuration, before any
    // IMAP_CAPABILITY filter: what a configured list is checked against.
    static std::string everyCapability(const ImapConfig& config);
    // Whether AUTH=<mechanism> is advertised now (IMAP_CAPABILITY may leave one out).
    bool offersMechanism(const std::string& mechanism) const;
    // Leaves the selected state (no expunge), if selected.
    void deselect();
    // Enters the selected state.
    void select(std::unique_ptr<index::MailboxView> view, std::string name, bool readOnly,
                std::size_t keywordsAnnounced, acl::Rights rights);
    // Sends FLAGS and PERMANENTFLAGS again when the selected folder has keywords the client
    // was not told of (RFC 3501 7.2.6: before any response that names them). Handlers that
    // write flags call it after reading the messages' state, before writing.
    void announceKeywords();
    void logIn(const Identity& identity);
    // UNAUTHENTICATE (RFC 8437): back to the not-authenticated state as a new connection
    // would be, TLS kept: no mailbox, no user, no identity, nothing ENABLEd.
    void unauthenticate();
    // IMAP_EMPTYTRASH (ImapConfig::emptyTrash), run at login.
    void emptyTrash();
    // MAILDEX_QUOTA_WARN (ImapConfig::quotaWarning): the warning into INBOX when the Maildir
    // is that full and none went out today; at login and after APPEND, COPY and MOVE.
    // Never throws (a failure is logged).
    void warnAboutQuota();
    // Keeps the folder an APPEND just added to open until the session APPENDs elsewhere,
    // IDLEs or ends. A client saving each sent message APPENDs to a folder it has not
    // selected; the open folder keeps its inotify watch, which lets the next APPEND's
    // quick sync trust the events rather than scan the folder whose cur/ the last APPEND
    // changed (index/folder_sync.cpp). Dropped at IDLE: a waiting session holds no more
    // than its selected folder.
    void keepAppendTarget(std::shared_ptr<index::Folder> folder) {
        appendTarget_ = std::move(folder);
    }
    // MAILDEX_BULLETIN_DIR (ImapConfig::bulletinDir): the bulletins this user has not had
    // yet, into INBOX, once LOGIN or AUTHENTICATE succeeded. Never throws (a failure or a
    // bad bulletin is logged).
    void deliverBulletins();
    void startIdle(const std::string& tag);
    // CONDSTORE (RFC 7162 3.1): mod-sequences in FETCH responses and HIGHESTMODSEQ on
    // SELECT, from the first command that uses them or ENABLE. QRESYNC implies it and turns
    // EXPUNGE responses into VANISHED (3.2.10). Enabling it with a mailbox selected tells
    // the client that mailbox's HIGHESTMODSEQ at once, in an untagged OK.
    bool condstore() const { return condstore_; }
    bool qresync() const { return qresync_; }
    void enableCondstore();
    void enableQresync();
    void enableUtf8() {
        utf8_ = true;
        writer_.setUtf8(true);
    }
    void noteClientId(const std::string& fields);
    // ID's fields from a trusted proxy (Dovecot's x-originating-ip and friends,
    // core/session_proxy_id.cpp): taken before login from a trusted peer, else ignored.
    void applyProxyId(
        const std::vector<std::pair<std::string, std::optional<std::string>>>& fields);
    // The client's address when a command replaced it since the last call (the transport
    // moves its per-address accounting), else nullopt.
    std::optional<std::pair<std::string, std::uint16_t>> takeClientChange();
    // The transport's own changes before any command runs (a PROXY header).
    TransportInfo& transportBeforeStart() { return transport_; }
    // LOGIN and AUTHENTICATE: checks the credentials and logs in, or throws
    // CommandError(AUTHENTICATIONFAILED) after recording the failure, or
    // CommandError(UNAVAILABLE) when login pacing refuses the attempt unchecked. An
    // authorization identity (SASL PLAIN) other than the user's is refused with
    // AUTHORIZATIONFAILED.
    void attemptLogin(const std::string& user, const std::string& password,
                      const std::string& authzid = {});
    void awaitSaslResponse(const std::string& tag);
    void finishPlain(const std::string& base64Response);
    // SASL LOGIN: waiting for the name, or (with the name known) for the password, which
    // the session asks for itself with the "Password:" challenge.
    void awaitLoginName(const std::string& tag);
    void awaitLoginPassword(const std::string& tag, const std::string& user);
    // AUTHENTICATE SCRAM-SHA-256, SCRAM-SHA-256-PLUS and CRAM-MD5 (core/session_challenge.cpp):
    // starts the exchange, with the SASL-IR initial response when the client sent one.
    void startChallenge(const std::string& tag, const std::string& mechanism,
                        const std::optional<std::string>& initial);
    // Whether a command producing much output should stop and be resumed.
    bool outputFull() const;
    static constexpr std::size_t kOutputBudget = 256 * 1024;
    // Writes the untagged responses for changes since the last report.
    // `askIndex`: first look for changes another process committed (one query); false
    // when the folder's own wakeup calls, as it has just published what it learned.
    Next reportChanges(bool allowExpunge, bool withUid, bool askIndex = true);

  private:
    // A command between its handler and its tagged response.
    struct Running {
        std::string tag;
        std::string name;
        const CommandSpec* spec;
        bool uid;
        OkReply ok;
        Next next;
        std::function<bool(OkReply&)> resume;
        std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    };
    void observe(const Running& running, std::string_view result);
    std::string logPrefix() const;
    // Runs a handler (or its continuation); an exception becomes the tagged NO/BAD, and
    // the result is what the transport does next. nullopt when the body succeeded.
    std::optional<Next> runGuarded(const Running& running, const std::function<void()>& body);
    Next complete(Running& running);

    const ImapConfig& config_;
    Authenticator* authenticator_;
    TransportInfo transport_;
    SessionState state_;
    std::shared_ptr<index::Mailstore> store_;
    std::shared_ptr<index::Folder> appendTarget_;  // keepAppendTarget
    std::optional<base::FsIdentity> fsIdentity_;
    std::string user_;
    acl::Accessor accessor_;
    std::filesystem::path sharedIndexFile_;
    MailboxNames names_;
    std::string out_;
    ResponseWriter writer_;
    bool utf8_ = false;
    bool condstore_ = false;
    bool qresync_ = false;
    // A command that waits for a line rather than for the next command: AUTHENTICATE
    // for the client's response, IDLE for DONE. One at a time, so one tag for both.
    enum class Awaiting : std::uint8_t {
        Command,
        SaslResponse,
        LoginName,
        LoginPassword,
        Challenge,  // SCRAM or CRAM-MD5: the next message of the exchange
        IdleDone
    };
    Awaiting awaiting_ = Awaiting::Command;
    std::string awaitingTag_;
    // SASL LOGIN's name between its two steps; held apart for the memory of idle sessions.
    std::unique_ptr<std::string> loginName_;
    Next continueLogin(Awaiting step, const std::string& tag, const std::string& text);
    // A SCRAM or CRAM-MD5 exchange in progress; held apart like loginName_.
    struct ChallengeState;
    std::unique_ptr<ChallengeState> challenge_;
    Next continueChallenge(const std::string& tag, const std::string& text);
    void beginChallenge(const std::string& tag, const std::string& mechanism,
                        const std::optional<std::string>& initial);
    // The client's message of the exchange: false when it was not answered with a
    // continuation (the exchange is over, or failed with an exception).
    bool challengeStep(const std::string& message);
    void finishChallengeLogin(const Identity& identity, const std::string& authzid,
                              const std::string& mechanism);
    // Held apart: a suspended command is rare, and every idle session would otherwise
    // carry room for one (about 200 bytes of 10,000 connections' memory).
    std::unique_ptr<Running> suspended_;
    std::chrono::milliseconds responseDelay_{};
    bool clientChanged_ = false;

  public:
    // The selected folder's listener. It may outlive the session: a folder may be calling
    // it from another thread while the session goes away (the folder holds it weakly and
    // locks it to call), so the session clears its function when it ends.
    struct Wakeup final : index::ChangeListener {
        std::mutex mu;
        std::function<void()> fn;
        // Set by the first fire() after notifyChanges(); later ones only find it set. A
        // bulk delivery is then one wakeup per idler, not one per message.
        std::atomic<bool> pending{false};
        void set(std::function<void()> fn);
        void fire();
        void folderChanged(const index::ChangeEvent&) override { fire(); }
    };
    const std::shared_ptr<Wakeup>& wakeupHandle() const { return wakeup_; }

  private:
    std::shared_ptr<Wakeup> wakeup_ = std::make_shared<Wakeup>();
};

}  // namespace maildex::core
