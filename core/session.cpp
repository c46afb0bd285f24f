#include "core/session.h"

#include <algorithm>
#include <ctime>

#include "base/log.h"
#include "core/capability_filter.h"
#include "core/command.h"
#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/staged_literal.h"
#include "core/flags_format.h"
#include "core/imap/ascii.h"
#include "core/imap/sequence_set.h"
#include "core/maildir_owner.h"
#include "core/session_challenge.h"
#include "core/shared_index.h"
#include "index/error.h"
#include "index/expire.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core {

namespace {

const char* codeFor(index::ErrorKind kind) {
    switch (kind) {
        case index::ErrorKind::NotFound:
            return "NONEXISTENT";
        case index::ErrorKind::AlreadyExists:
            return "ALREADYEXISTS";
        case index::ErrorKind::InvalidName:
            return "CANNOT";
        case index::ErrorKind::NotAllowed:
            return "CANNOT";
        case index::ErrorKind::Limit:
            return "LIMIT";
        case index::ErrorKind::Busy:
            return "INUSE";
        case index::ErrorKind::OverQuota:
            return "OVERQUOTA";
        case index::ErrorKind::Io:
        case index::ErrorKind::Corrupt:
            return "SERVERBUG";
    }
    return "SERVERBUG";
}

std::uint8_t stateBit(const SessionState& s) {
    if (std::holds_alternative<NotAuthenticated>(s)) return state::NotAuthenticated;
    if (std::holds_alternative<Authenticated>(s)) return state::Authenticated;
    if (std::holds_alternative<Selected>(s)) return state::Selected;
    return 0;
}

}  // namespace

std::string TransportInfo::peer() const {
    if (clientAddress.empty()) return {};
    bool v6 = clientAddress.find(':') != std::string::npos;
    return (v6 ? "[" + clientAddress + "]" : clientAddress) + ":" + std::to_string(clientPort);
}

bool TransportInfo::replaceClient(std::string address, std::uint16_t port) {
    if (!proxyPeer.empty()) return false;
    proxyPeer = peer();
    clientAddress = std::move(address);
    clientPort = port;
    return true;
}

Session::Session(const ImapConfig& config, Authenticator* authenticator, TransportInfo transport)
    : config_(config),
      authenticator_(authenticator),
      transport_(std::move(transport)),
      writer_(out_) {}

Session::~Session() {
    wakeup_->set({});
    // What the session holds (its view, its folders, maybe the last reference to the
    // user's index) goes as the user, whichever thread ends the session.
    base::FsIdentityScope as(fsIdentity_);
    state_ = LoggedOut{};
    store_.reset();
}

void Session::Wakeup::set(std::function<void()> fn) {
    std::lock_guard lock(mu);
    this->fn = std::move(fn);
}

void Session::Wakeup::fire() {
    if (pending.exchange(true)) return;
    std::lock_guard lock(mu);
    if (fn) fn();
}

bool Session::authenticated() const {
    return std::holds_alternative<Authenticated>(state_) ||
           std::holds_alternative<Selected>(state_);
}

void Session::logIn(const Identity& identity) {
    // From here on every file of the session is touched as the Maildir's owner.
    fsIdentity_ = servingIdentity(identity, config_.allowRootMail);
    base::FsIdentityScope as(fsIdentity_);
    index::MailstoreOptions options;
    options.owner = fsIdentity_;
    options.maildir = identity.maildir;
    options.indexDir = config_.indexDir;
    // A client selecting a large folder for the first time gets its answer before the
    // index has inserted a row per message (index/pending_rows.h).
    options.pendingRowsFrom = 10'000;
    store_ = index::Mailstore::open(options);
    // The account's quota wins over maildirsize's, as authlib's MAILDIRQUOTA does.
    store_->setAccountQuota(identity.quota.empty()
                                ? std::nullopt
                                : std::optional(index::parseMaildirQuota(identity.quota)));
    user_ = identity.user;
    accessor_ = acl::Accessor{identity.user, identity.groups, true};
    sharedIndexFile_ = config_.sharedIndexFile;
    if (auto group = identity.options.find("sharedgroup");
        !sharedIndexFile_.empty() && group != identity.options.end())
        sharedIndexFile_ += group->second;
    // A Maildir migrated from Dovecot keeps the names Dovecot showed (often no "INBOX."
    // prefix): the migration records prefix and delimiter with the Maildir.
    // Dovecot (and Courier 4) named folder directories in modified UTF-7; the migration
    // records that too, and the directories are served under their old names as they are.
    std::string delimiter = store_->setting(kNamespaceDelimiterSetting, ".");
    noteFilesystemSharedFolders(store_->layout().root());
    emptyTrash();
    warnAboutQuota();
    names_ = MailboxNames(store_->setting(kNamespacePrefixSetting, "INBOX."),
                          delimiter.size() == 1 ? delimiter[0] : '.',
                          store_->setting(kFolderNamesMutf7Setting) == "1");
    state_ = Authenticated{};
}

void Session::preauthenticate(const Identity& identity) {
    logIn(identity);
}

void Session::emptyTrash() {
    for (const auto& [folderName, seconds] : config_.emptyTrash) {
        try {
            if (!store_->exists(folderName)) continue;
            auto folder = store_->folder(folderName);
            auto r = index::expungeOlderThan(*folder, seconds,
                                             static_cast<std::int64_t>(std::time(nullptr)));
            if (r.expunged > 0)
                log::info(logPrefix() + ": emptied " + std::to_string(r.expunged) +
                          " old message(s) from " + folderName);
        } catch (const std::exception& e) {
            log::warn(logPrefix() + ": IMAP_EMPTYTRASH on " + folderName + " failed: " + e.what());
        }
    }
}

namespace {
// What every session says, whatever its state.
std::string commonCapabilities(const ImapConfig& config) {
    return "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE REPLACE UNSELECT "
           "CHILDREN "
           "ESEARCH WITHIN CONDSTORE QRESYNC SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT "
           "THREAD=REFERENCES "
           "LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE MULTIAPPEND STATUS=SIZE "
           "QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE "
           "UTF8=ACCEPT "
           "APPENDLIMIT=" +
           std::to_string(config.limits.maxAppendLiteral) +
           (config.acl ? " ACL ACL2=UNION RIGHTS=texk LIST-MYRIGHTS" : "");
}
}  // namespace

std::string Session::everyCapability(const ImapConfig& config) {
    return commonCapabilities(config) +
           " STARTTLS LOGINDISABLED AUTH=LOGIN AUTH=PLAIN AUTH=SCRAM-SHA-256 "
           "AUTH=SCRAM-SHA-256-PLUS AUTH=CRAM-MD5 UNAUTHENTICATE";
}

std::string Session::capabilities() const {
    std::string caps = commonCapabilities(config_);
    if (!authenticated()) {
        if (transport_.tlsOffered && !transport_.tlsActive) caps += " STARTTLS";
        if (!transport_.plaintextAuthAllowed && !transport_.tlsActive)
            caps += " LOGINDISABLED";
        else if (authenticator_) {
            caps += " AUTH=LOGIN AUTH=PLAIN";
            if (authenticator_->offersScram()) {
                caps += " AUTH=SCRAM-SHA-256";
                if (transport_.tlsActive && transport_.channelBinding)
                    caps += " AUTH=SCRAM-SHA-256-PLUS";
            }
            if (authenticator_->offersCramMd5()) caps += " AUTH=CRAM-MD5";
        }
    } else if (authenticator_) {
        caps += " UNAUTHENTICATE";
    }
    const auto& configured = transport_.tlsActive && config_.capabilitiesTls
                                 ? config_.capabilitiesTls
                                 : config_.capabilities;
    return configured ? filterCapabilities(caps, *configured) : caps;
}

bool Session::offersMechanism(const std::string& mechanism) const {
    auto caps = splitCapabilities(capabilities());
    return std::find(caps.begin(), caps.end(), "AUTH=" + mechanism) != caps.end();
}

void Session::greet() {
    if (authenticated()) {
        writer_.untagged()
            .atom("PREAUTH")
            .code("CAPABILITY")
            .atoms(capabilities())
            .codeEnd()
            .text("Logged in as " + user_);
    } else {
        writer_.untagged()
            .ok()
            .code("CAPABILITY")
            .atoms(capabilities())
            .codeEnd()
            .text(config_.greeting);
    }
    writer_.end();
}

void Session::tlsStarted() {
    transport_.tlsActive = true;
}

void Session::deselect() {
    if (std::holds_alternative<Selected>(state_)) state_ = Authenticated{};
}

void Session::select(std::unique_ptr<index::MailboxView> view, std::string name, bool readOnly,
                     std::size_t keywordsAnnounced, acl::Rights rights) {
    Selected s;
    s.view = std::move(view);
    s.name = std::move(name);
    s.readOnly = readOnly;
    s.keywordsAnnounced = keywordsAnnounced;
    s.rights = rights;
    state_ = std::move(s);
}

void Session::announceKeywords() {
    auto* sel = std::get_if<Selected>(&state_);
    if (!sel) return;
    const auto& folder = sel->view->folder();
    if (folder.keywordCount() == sel->keywordsAnnounced) return;
    sel->keywordsAnnounced = writeFlagsResponses(writer_, folder, sel->readOnly, sel->rights);
}

std::shared_ptr<LiteralSink> Session::literalSink(const Request& soFar, std::uint64_t size) {
    if (size < kStageAppendFrom || soFar.name != "APPEND" || !authenticated() ||
        soFar.args.empty() ||
        (!soFar.args.front().isString() && soFar.args.front().type != Token::Type::Atom))
        return nullptr;
    base::FsIdentityScope as(fsIdentity_);  // the file in tmp/ is the user's
    // The target folder's tmp/, so that storing it is a rename within the folder; INBOX's
    // when there is no such folder (the APPEND then fails with TRYCREATE and the file goes).
    const auto& layout = store_->layout();
    std::filesystem::path dir = layout.root();
    try {
        if (auto folder = names_.toFolder(soFar.args.front().value, utf8_);
            folder && layout.exists(*folder))
            dir = layout.folderDir(*folder);
        return std::make_shared<commands::StagedLiteral>(
            std::make_unique<index::StagedMessage>(dir));
    } catch (const std::exception& e) {
        // Received into memory as smaller messages are; the APPEND says what is wrong.
        log::warn(logPrefix() + ": cannot receive an APPEND into " + dir.string() + ": " +
                  e.what());
        return nullptr;
    }
}

Session::Next Session::execute(Request request) {
    // Every command touches the user's files as the user (core/maildir_owner.h), so the
    // kernel refuses what a path bug would reach. A LOGIN switches inside, once it knows.
    base::FsIdentityScope as(fsIdentity_);
    std::string name = request.name;
    size_t argStart = 0;
    bool uid = false;
    if (name == "UID") {
        if (request.args.empty() || request.args[0].type != Token::Type::Atom) {
            writer_.tagged(request.tag).bad().text("UID needs a command").end();
            return Next::Command;
        }
        name = "UID " + ascii::upper(request.args[0].value);
        argStart = 1;
        uid = true;
    }
    const CommandSpec* spec = findCommand(name);
    if (!spec) {
        writer_.tagged(request.tag).bad().text("Unknown command " + name).end();
        return Next::Command;
    }
    std::uint8_t bit = stateBit(state_);
    if (!(spec->states & bit)) {
        const char* why =
            bit == state::NotAuthenticated ? "Log in first"
            : (spec->states & state::Selected) && !(spec->states & state::Authenticated)
                ? "No mailbox selected"
                : "Not valid in this state";
        writer_.tagged(request.tag).bad().text(why).end();
        return Next::Command;
    }

    // Start from what every process has committed, so this command sees what the
    // client's other sessions did a moment ago.
    if (auto* sel = std::get_if<Selected>(&state_)) sel->view->folder().catchUp();
    CommandContext ctx{*this, request, ArgReader(request.args, argStart), uid};
    Running running{request.tag, name, spec, uid, {}, Next::Command, {}};
    if (auto failed = runGuarded(running, [&] {
            commands::checkSelectedRights(ctx, *spec);
            spec->handler(ctx);
        }))
        return *failed;
    if (ctx.continues) return ctx.next;
    running.ok = {std::move(ctx.okCode), std::move(ctx.okText)};
    running.next = ctx.next;
    if (ctx.resume) {
        // The command has more to say than fits the output buffer: the transport calls
        // resume() once the client has read what is there.
        running.resume = std::move(ctx.resume);
        suspended_ = std::make_unique<Running>(std::move(running));
        return Next::Suspended;
    }
    return complete(running);
}

Session::Next Session::resume() {
    if (!suspended_) return Next::Command;
    base::FsIdentityScope as(fsIdentity_);
    Running running = std::move(*suspended_);
    suspended_.reset();
    bool done = false;
    if (auto failed = runGuarded(running, [&] { done = running.resume(running.ok); }))
        return *failed;
    if (!done) {
        suspended_ = std::make_unique<Running>(std::move(running));
        return Next::Suspended;
    }
    return complete(running);
}

bool Session::outputFull() const {
    return out_.size() >= kOutputBudget;
}

std::string Session::logPrefix() const {
    std::string p = "session " + std::to_string(transport_.sessionId);
    if (auto peer = transport_.peer(); !peer.empty()) p += " " + peer;
    if (!user_.empty()) p += " " + user_;
    return p;
}

void Session::observe(const Running& running, std::string_view result) {
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - running.started);
    if (config_.commandObserver) config_.commandObserver({running.name, result, took});
    log::debug(logPrefix() + ": " + running.name + " " + std::string(result) + " " +
               std::to_string(took.count() / 1000.0) + " ms");
}

Session::Next Session::complete(Running& running) {
    if (std::holds_alternative<Selected>(state_)) {
        if (reportChanges(!running.spec->holdsExpunges, running.uid) == Next::Close)
            return Next::Close;
    }
    auto& w = writer_.tagged(running.tag).ok();
    if (running.ok.code) running.ok.code(w);  // text() closes the code
    w.text(running.ok.text).end();
    observe(running, "OK");
    return running.next;
}

std::optional<Session::Next> Session::runGuarded(const Running& running,
                                                 const std::function<void()>& body) {
    // Untagged responses of a failed command stay: clients use partial FETCH data.
    try {
        body();
        return std::nullopt;
    } catch (const BrokenResponse& e) {
        log::error(logPrefix() + ": " + running.name +
                   " cannot be completed, closing: " + e.what());
        observe(running, "NO");
        return Next::Close;
    } catch (const ParseError& e) {
        writer_.tagged(running.tag).bad().text(e.what()).end();
        observe(running, "BAD");
    } catch (const CommandError& e) {
        // Changes go out while the command is still in progress: after its tagged reply
        // the client would apply them to numbers it may already have used again (RFC
        // 3501 5.5, 7.4.1).
        if (std::holds_alternative<Selected>(state_) &&
            reportChanges(!running.spec->holdsExpunges, running.uid) == Next::Close) {
            observe(running, "NO");
            return Next::Close;  // the mailbox is gone: BYE said it, no tagged reply follows
        }
        auto& w = writer_.tagged(running.tag);
        e.bad() ? w.bad() : w.no();
        if (!e.code().empty()) w.code(e.code()).codeEnd();
        w.text(e.what()).end();
        observe(running, e.bad() ? "BAD" : "NO");
    } catch (const index::Error& e) {
        bool fault = e.kind() == index::ErrorKind::Io || e.kind() == index::ErrorKind::Corrupt;
        if (fault) log::error(logPrefix() + ": " + running.name + " failed: " + e.what());
        writer_.tagged(running.tag)
            .no()
            .code(codeFor(e.kind()))
            .codeEnd()
            .text(fault ? "Server error; the administrator can find details in the log" : e.what())
            .end();
        observe(running, "NO");
    } catch (const std::exception& e) {
        log::error(logPrefix() + ": " + running.name + " failed: " + e.what());
        writer_.tagged(running.tag)
            .no()
            .code("SERVERBUG")
            .codeEnd()
            .text("Server error; the administrator can find details in the log")
            .end();
        observe(running, "NO");
    }
    return Next::Command;
}

void Session::rejectInput(const std::string& tag, const std::string& code,
                          const std::string& message, bool no) {
    auto& w = tag.empty() ? writer_.untagged() : writer_.tagged(tag);
    no ? w.no() : w.bad();
    if (!code.empty()) w.code(code).codeEnd();
    w.text(message).end();
}

void Session::enableCondstore() {
    if (condstore_) return;
    condstore_ = true;
    // RFC 7162 3.1: the first CONDSTORE-enabling command (FETCH ... MODSEQ, SEARCH MODSEQ,
    // STORE (UNCHANGEDSINCE ...), ENABLE) with a mailbox selected reports its
    // HIGHESTMODSEQ before the command's tagged reply: the mod-sequence this view has told
    // the client of (later changes come with their MODSEQ). SELECT (CONDSTORE) enables it
    // before the mailbox is selected, and says HIGHESTMODSEQ itself.
    if (auto* sel = std::get_if<Selected>(&state_))
        writer_.untagged()
            .ok()
            .code("HIGHESTMODSEQ")
            .number(sel->view->highestModseq())
            .text("Highest")
            .end();
}

void Session::enableQresync() {
    enableCondstore();  // QRESYNC implies CONDSTORE (RFC 7162 3.2.3)
    qresync_ = true;
}

void Session::noteClientId(const std::string& fields) {
    log::info(logPrefix() + ": client ID" + fields);
}

void Session::startIdle(const std::string& tag) {
    awaiting_ = Awaiting::IdleDone;
    awaitingTag_ = tag;
}

Session::Next Session::line(const std::string& text) {
    base::FsIdentityScope as(fsIdentity_);
    const auto awaiting = std::exchange(awaiting_, Awaiting::Command);
    const std::string tag = std::move(awaitingTag_);
    awaitingTag_.clear();
    if (awaiting == Awaiting::SaslResponse) {
        if (text == "*") {
            writer_.tagged(tag).bad().text("Authentication cancelled").end();
            return Next::Command;
        }
        static const CommandSpec* authSpec = findCommand("AUTHENTICATE");
        Running running{tag, "AUTHENTICATE", authSpec, false, {{}, "Logged in"}, Next::Command, {}};
        if (auto failed = runGuarded(running, [&] { finishPlain(text); })) return *failed;
        running.ok.code = [caps = capabilities()](ResponseWriter& w) {
            w.code("CAPABILITY").atoms(caps);
        };
        return complete(running);
    }
    if (awaiting == Awaiting::LoginName || awaiting == Awaiting::LoginPassword) {
        if (text == "*") {
            loginName_.reset();
            writer_.tagged(tag).bad().text("Authentication cancelled").end();
            return Next::Command;
        }
        return continueLogin(awaiting, tag, text);
    }
    if (awaiting == Awaiting::Challenge) {
        if (text == "*") {
            challenge_.reset();
            writer_.tagged(tag).bad().text("Authentication cancelled").end();
            return Next::Command;
        }
        return continueChallenge(tag, text);
    }
    if (awaiting == Awaiting::IdleDone) {
        if (!ascii::iequals(text, "DONE")) {
            writer_.tagged(tag).bad().text("Expected DONE to end IDLE").end();
            return Next::Command;
        }
        if (reportChanges(true, false) == Next::Close) return Next::Close;
        writer_.tagged(tag).ok().text("IDLE terminated").end();
        return Next::Command;
    }
    writer_.untagged().bad().text("Unexpected continuation line").end();
    return Next::Command;
}

Session::Next Session::notifyChanges() {
    wakeup_->pending.store(false);
    if (!idling()) return Next::Command;
    base::FsIdentityScope as(fsIdentity_);  // often the event loop's thread (net/connection.h)
    // The receiver stays in line mode waiting for DONE; only a close changes anything.
    // Woken by the folder, whose state is current: a thousand idlers on one folder asking
    // the index again would be a thousand queries under one database lock per change.
    return reportChanges(true, false, false) == Next::Close ? Next::Close : Next::Command;
}

std::size_t Session::unreportedChanges() const {
    auto* sel = std::get_if<Selected>(&state_);
    return sel ? sel->view->unreportedChanges() : 0;
}

void Session::keepalive() {
    if (idling()) writer_.untagged().ok().text("Still here").end();
}

void Session::shutdown(std::string_view reason) {
    writer_.untagged().bye().text(reason).end();
    base::FsIdentityScope as(fsIdentity_);
    state_ = LoggedOut{};
}

Session::Next Session::reportChanges(bool allowExpunge, bool withUid, bool askIndex) {
    auto* sel = std::get_if<Selected>(&state_);
    if (!sel) return Next::Command;
    auto& view = *sel->view;
    // Another process may have committed changes: one cheap query finds out.
    if (askIndex) view.folder().catchUp();
    auto up = view.sync(allowExpunge);
    if (up.reset) {
        writer_.untagged().bye().text("The selected mailbox was deleted or renumbered").end();
        state_ = LoggedOut{};
        return Next::Close;
    }
    // The flags to report are read first, and any keyword among them announced before
    // the first response (RFC 3501 7.2.6).
    std::vector<index::MessageMeta> changed;
    if (!up.changedUids.empty()) changed = view.meta(up.changedUids);
    announceKeywords();
    if (qresync_) {
        // RFC 7162 3.2.10: with QRESYNC, expunges are reported by UID.
        if (!up.expungedUids.empty())
            writer_.untagged()
                .atom("VANISHED")
                .atom(SequenceSet::fromSorted(up.expungedUids).toString())
                .end();
    } else {
        for (auto seq : up.expungedSeqs)
            writer_.untagged().number(seq).atom("EXPUNGE").end();
    }
    if (up.existsChanged) writer_.untagged().number(view.exists()).atom("EXISTS").end();
    if (up.recentChanged) writer_.untagged().number(view.recentCount()).atom("RECENT").end();
    if (!changed.empty()) {
        for (const auto& m : changed) {
            auto seq = view.seqOf(m.uid);
            if (!seq || m.expunged) continue;
            writer_.untagged().number(*seq).atom("FETCH").open();
            if (withUid || qresync_) writer_.atom("UID").number(m.uid);
            writer_.atom("FLAGS");
            writeFlagList(writer_, m, view.isRecent(m.uid), view.folder());
            if (condstore_) writer_.atom("MODSEQ").open().number(m.modseq).close();
            writer_.close().end();
        }
    }
    return Next::Command;
}

}  // namespace maildex::core
