// Fuzz target: whatever bytes a client sends, the IMAP engine answers with well-formed
// responses, never crashes, and leaves the Maildir and its index agreeing with each other.
//
// Each input is one client's bytes, replayed (as mox's fuzz target does) in each state a
// connection can be in when they arrive: not authenticated (LOGIN fuzz fuzz works),
// authenticated, and with INBOX selected. The bytes are fed in pieces, so every command
// is also parsed across split points. A second session on the same Maildir sits in IDLE
// throughout and must be told of every change in well-formed responses; at the end it
// fetches every message's flags, and `maildexctl check`'s comparison of index, files and
// Courier-format mirror must find no difference.
//
// Every input gets a fresh Maildir (INBOX with a few messages of different shapes, one in
// new/, keywords, subfolders), under $TMPDIR.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "base/log.h"
#include "core/engine.h"
#include "index/background.h"
#include "index/check.h"
#include "tests/fuzz/finding.h"
#include "tests/fuzz/response_syntax.h"

namespace fs = std::filesystem;
using maildex::core::Engine;

namespace {

[[noreturn]] void fail(const std::string& what, std::string_view shown) {
    maildex::test::finding("engine_fuzz", what, shown);
}

void writeFile(const fs::path& path, std::string_view text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
}

void makeFolderDirs(const fs::path& dir, bool subfolder) {
    for (const char* sub : {"cur", "new", "tmp"})
        fs::create_directories(dir / sub);
    if (subfolder) writeFile(dir / "maildirfolder", "");
}

// A Maildir of the shapes FETCH, SEARCH, SORT and THREAD take apart.
void makeMaildir(const fs::path& root) {
    makeFolderDirs(root, false);
    writeFile(root / "cur" / "1700000001.M1P1.fuzz:2,S",
              "From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: plain\n"
              "Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <1@example.com>\n\n"
              "Hello, world.\n");
    writeFile(root / "cur" / "1700000002.M2P1.fuzz:2,FRS",
              "From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.de>\nTo: a@example.com, b@example.com\n"
              "Subject: Re: plain\nIn-Reply-To: <1@example.com>\nReferences: <1@example.com>\n"
              "Message-ID: <2@example.com>\nMIME-Version: 1.0\n"
              "Content-Type: multipart/mixed; boundary=\"b1\"\n\npreamble\n--b1\n"
              "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
              "quoted-printable\n\nGr=C3=BC=C3=9Fe\n--b1\nContent-Type: application/pdf; "
              "name=\"a.pdf\"\nContent-Disposition: attachment; filename=\"a.pdf\"\n"
              "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b1--\n");
    writeFile(root / "cur" / "1700000003.M3P1.fuzz:2,T",
              "From: carol@example.net\nSubject: fwd\nContent-Type: message/rfc822\n\n"
              "From: dave@example.net\nSubject: inner\nContent-Type: multipart/alternative; "
              "boundary=x\n\n--x\nContent-Type: text/plain\n\ninner text\n--x\n"
              "Content-Type: text/html\n\n<p>inner</p>\n--x--\n");
    writeFile(root / "new" / "1700000004.M4P1.fuzz", "Subject: new one\n\nJust delivered.\n");
    // A keyword on message 1, as Courier keeps them.
    fs::create_directories(root / "courierimapkeywords");
    writeFile(root / "courierimapkeywords" / ":list",
              "$Label1\nJunk\n\n1700000001.M1P1.fuzz:0 1\n");
    for (const char* folder : {".Sent", ".Trash", ".A", ".A.B"})
        makeFolderDirs(root / folder, true);
    writeFile(root / ".Sent" / "cur" / "1700000005.M5P1.fuzz:2,S",
              "From: me@example.com\nSubject: sent\n\nbody\n");
    writeFile(root / "courierimapsubscribed", "INBOX.Sent\nINBOX.Trash\n");
}

class FuzzAuthenticator : public maildex::core::Authenticator {
  public:
    explicit FuzzAuthenticator(fs::path maildir) : maildir_(std::move(maildir)) {}
    maildex::core::LoginCheck check(std::string_view user, std::string_view password,
                                    std::string_view) override {
        if (user == "fuzz" && password == "fuzz")
            return {maildex::core::Identity{"fuzz", maildir_}};
        return {};
    }

  private:
    fs::path maildir_;
};

// One engine and everything it wrote.
struct Client {
    Client(const maildex::core::ImapConfig& config, maildex::core::Authenticator* auth)
        : engine(config, auth, transport()) {
        engine.session().setWakeup([] {});
    }
    static maildex::core::TransportInfo transport() {
        maildex::core::TransportInfo t;
        t.clientAddress = "127.0.0.1";
        return t;
    }
    void apply(Engine::Next status) {
        while (status == Engine::Next::Suspended)
            status = engine.resume();
        if (status == Engine::Next::Close || status == Engine::Next::StartTls) closed = true;
        output += engine.output();
        engine.output().clear();
    }
    void send(std::string_view bytes) {
        if (closed) return;
        engine.feed(bytes);
        apply(engine.run());
    }
    void lookForChanges() {
        if (!closed && engine.session().wakeupPending()) apply(engine.notifyChanges());
    }
    Engine engine;
    std::string output;
    bool closed = false;
};

// The pieces of a client's bytes: split points that move with the input's length, so
// the fuzzer's mutations try many.
void sendInPieces(Client& client, Client& idler, std::string_view bytes) {
    std::size_t piece = 1 + bytes.size() % 61;
    for (std::size_t at = 0; at < bytes.size() && !client.closed; at += piece) {
        client.send(bytes.substr(at, piece));
        idler.lookForChanges();
    }
}

enum class StartState { NotAuthenticated, Authenticated, Selected };

const char* stateName(StartState state) {
    switch (state) {
        case StartState::NotAuthenticated:
            return "not authenticated";
        case StartState::Authenticated:
            return "authenticated";
        case StartState::Selected:
            return "with INBOX selected";
    }
    return "?";
}

void runSession(const fs::path& maildir, StartState state, Client& idler, std::string_view bytes) {
    maildex::core::ImapConfig config;
    FuzzAuthenticator auth(maildir);
    Client client(config, &auth);
    if (state != StartState::NotAuthenticated)
        client.engine.session().preauthenticate({"fuzz", maildir});
    client.engine.start();
    if (state == StartState::Selected) client.send("s0 SELECT INBOX\r\n");
    sendInPieces(client, idler, bytes);
    if (auto problem = maildex::test::responseProblem(client.output))
        fail("the client's session wrote: " + *problem, client.output);
    idler.lookForChanges();
    if (std::getenv("MAILDEX_FUZZ_SHOW"))  // for a person replaying one input
        std::fprintf(stderr, "--- session starting %s ---\n%s", stateName(state),
                     client.output.c_str());
}

// A directory of this process's own, removed at exit. Never destroyed itself: the exit
// handler that removes it runs after static objects are gone.
const fs::path& scratch() {
    static const fs::path* base = [] {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/maildex-fuzz.XXXXXX";
        if (!::mkdtemp(pattern.data())) std::abort();
        auto* path = new fs::path(pattern);
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(scratch(), ec);
        });
        return path;
    }();
    return *base;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Failed logins and the like are logged at Info: millions of them say nothing here.
    static const bool quiet = (maildex::log::setMinimumLevel(maildex::log::Level::Warn), true);
    (void)quiet;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    // A new path each time: the watcher's thread may still hold the last input's
    // Maildir for a moment after its sessions end, and Mailstore::open would hand that
    // one out again for the same path.
    static std::uint64_t inputs = 0;
    fs::path maildir = scratch() / ("Maildir" + std::to_string(++inputs));
    makeMaildir(maildir);
    {
        maildex::core::ImapConfig config;
        Client idler(config, nullptr);
        idler.engine.session().preauthenticate({"idler", maildir});
        idler.engine.start();
        idler.send("i1 SELECT INBOX\r\ni2 IDLE\r\n");
        for (auto state :
             {StartState::NotAuthenticated, StartState::Authenticated, StartState::Selected})
            runSession(maildir, state, idler, bytes);
        idler.send("DONE\r\ni3 UID FETCH 1:* (FLAGS)\r\ni4 LOGOUT\r\n");
        if (auto problem = maildex::test::responseProblem(idler.output))
            fail("the idling session wrote: " + *problem, idler.output);
        if (std::getenv("MAILDEX_FUZZ_SHOW"))
            std::fprintf(stderr, "--- the idler ---\n%s", idler.output.c_str());
        if (idler.output.find("\r\ni3 OK") == std::string::npos)
            fail("the idling session could not fetch the flags afterwards", idler.output);
    }
    maildex::index::waitForBackgroundWork();
    auto report = maildex::index::checkMaildir({maildir, {}, {}});
    std::string differences;
    for (const auto& d : report.differences)
        if (d.kind != maildex::index::DifferenceKind::FolderNotIndexed)  // never opened: fine
            differences += (d.folder.empty() ? "INBOX" : d.folder) + ": " + d.text + "\n";
    if (!differences.empty())
        fail("index, files and mirror disagree after the sessions", differences);
    std::error_code ignored;  // what a late SQLite close removes first is already gone
    fs::remove_all(maildir, ignored);
    return 0;
}
