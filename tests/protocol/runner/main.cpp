// Runs protocol transcripts (tests/protocol/*.imap) against Maildex.
//
//   transcript_runner --mode inprocess SCRIPT        core::Engine in this process
//   transcript_runner --mode stdio --maildexd BIN SCRIPT   BIN PATH on stdin/stdout
//   transcript_runner --mode tcp --maildexd BIN SCRIPT     BIN --config on a loopback port
//
// Each run gets a fresh Maildir in a temporary directory, removed afterwards (unless
// --keep). On failure it prints the script line, what was expected, what came, and the
// conversation so far.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "tests/protocol/runner/connection.h"
#include "tests/protocol/runner/pattern.h"
#include "tests/protocol/runner/script.h"

namespace fs = std::filesystem;
using namespace maildex::test;

namespace {

struct Options {
    std::string mode = "inprocess";
    std::string maildexd;
    std::string script;
    bool keep = false;
};

class Failure : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Runner {
  public:
    Runner(const Options& options, const Script& script, fs::path maildir)
        : options_(options), script_(script), maildir_(std::move(maildir)) {
        if (options_.mode == "tcp")
            server_ = std::make_unique<TestServer>(options_.maildexd, maildir_.string(),
                                                   maildir_.parent_path().string());
    }

    void run() {
        for (size_t i = 0; i < script_.steps.size(); ++i) {
            const Step& step = script_.steps[i];
            current_ = &step;
            switch (step.kind) {
                case Step::Kind::Folder:
                    makeFolder(step.folder);
                    break;
                case Step::Kind::Message:
                    deliver(step);
                    break;
                case Step::Kind::File:
                    std::ofstream(maildir_ / step.folder, std::ios::binary) << step.text;
                    break;
                case Step::Kind::Sleep:
                    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(step.text)));
                    break;
                case Step::Kind::Close:
                    connection(step.connection, false).closeInput();
                    break;
                case Step::Kind::Send:
                    sendLine(step);
                    break;
                case Step::Kind::SendRaw:
                    log(step.connection, "C~ " + step.text);
                    connection(step.connection, false).send(step.text);
                    break;
                case Step::Kind::Expect:
                    expect(step);
                    break;
            }
        }
        current_ = nullptr;
        for (auto& [name, conn] : connections_) {
            std::string rest = conn->unread();
            if (!rest.empty())
                fail("connection " + name + " sent more than the script expects:\n" + rest);
        }
    }

    void printLog(std::ostream& out) const {
        out << "--- conversation ---\n" << transcript_ << "--------------------\n";
    }

  private:
    [[noreturn]] void fail(const std::string& why) {
        std::string where = current_ ? script_.path + ":" + std::to_string(current_->line) + ": "
                                     : script_.path + ": ";
        throw Failure(where + why);
    }

    void log(const std::string& conn, const std::string& line) {
        transcript_ += conn + " " + line + "\n";
    }

    std::chrono::milliseconds timeout() const {
        return std::chrono::milliseconds(options_.mode == "inprocess" ? 3000 : 15000);
    }

    Connection& connection(const std::string& name, bool forExpect) {
        auto it = connections_.find(name);
        if (it != connections_.end()) return *it->second;
        std::unique_ptr<Connection> conn;
        if (options_.mode == "inprocess")
            conn = connectInProcess(maildir_.string());
        else if (options_.mode == "tcp")
            conn = connectTcp(server_->port());
        else
            conn = connectStdio(options_.maildexd, maildir_.string());
        if (options_.mode == "tcp" && script_.login) {
            // Over TCP the session starts unauthenticated; log in so the script can be
            // the same as in the pre-authenticated modes.
            auto greeting = conn->readLine(timeout());
            if (!greeting || greeting->rfind("* OK", 0) != 0)
                fail("connection " + name + ": no greeting");
            conn->send("x0 LOGIN test test\r\n");
            while (true) {
                auto line = conn->readLine(timeout());
                if (!line) fail("connection " + name + ": no answer to LOGIN");
                if (line->rfind("x0 ", 0) == 0) {
                    if (line->rfind("x0 OK", 0) != 0)
                        fail("connection " + name + ": LOGIN failed: " + *line);
                    break;
                }
            }
            log(name, "C/S: (logged in as test)");
            return *connections_.emplace(name, std::move(conn)).first->second;
        }
        if (!forExpect) {
            // The script does not look at the greeting: check it is one and move on.
            auto greeting = conn->readLine(timeout());
            if (!greeting ||
                (greeting->rfind("* PREAUTH", 0) != 0 && greeting->rfind("* OK", 0) != 0))
                fail("connection " + name + ": expected a greeting, got " +
                     (greeting ? "'" + *greeting + "'" : "nothing"));
            log(name, "S: " + *greeting);
        }
        return *connections_.emplace(name, std::move(conn)).first->second;
    }

    void sendLine(const Step& step) {
        Connection& conn = connection(step.connection, false);
        std::string text = substitute(step.text, captures_);
        // {@name} / {@name+}: a literal defined with @literal, sent as IMAP requires.
        size_t pos = 0;
        while (true) {
            size_t open = text.find("{@", pos);
            if (open == std::string::npos) break;
            size_t close = text.find('}', open);
            if (close == std::string::npos) fail("unclosed {@ in client line");
            std::string name = text.substr(open + 2, close - open - 2);
            bool plus = !name.empty() && name.back() == '+';
            if (plus) name.pop_back();
            auto lit = script_.literals.find(name);
            if (lit == script_.literals.end()) fail("no @literal named " + name);
            std::string head = text.substr(pos, open - pos) + "{" +
                               std::to_string(lit->second.size()) + (plus ? "+" : "") + "}\r\n";
            log(step.connection, "C: " + head.substr(0, head.size() - 2));
            conn.send(head);
            if (!plus) {
                auto line = conn.readLine(timeout());
                if (!line || line->rfind("+ ", 0) != 0)
                    fail("expected a '+' continuation for the literal, got " +
                         (line ? "'" + *line + "'" : "nothing"));
                log(step.connection, "S: " + *line);
            }
            log(step.connection,
                "C: <literal " + name + ", " + std::to_string(lit->second.size()) + " bytes>");
            conn.send(lit->second);
            pos = close + 1;
        }
        std::string tail = text.substr(pos);
        log(step.connection, "C: " + tail);
        conn.send(tail + "\r\n");
    }

    void expect(const Step& step) {
        Connection& conn = connection(step.connection, true);
        auto line = conn.readLine(timeout());
        if (!line) fail("expected '" + step.text + "' from " + step.connection + ", got nothing");
        log(step.connection, "S: " + *line);
        if (!matchLine(step.text, *line, captures_))
            fail("expected '" + step.text + "'\n                 got '" + *line + "'");
    }

    void makeFolder(const std::string& name) {
        fs::path dir = maildir_ / ("." + name);
        for (const char* sub : {"cur", "new", "tmp"})
            fs::create_directories(dir / sub);
        std::ofstream(dir / "maildirfolder");
    }

    void deliver(const Step& step) {
        // As an MDA does: write into tmp/, then rename into new/ (or cur/ with flags).
        fs::path dir = step.folder.empty() ? maildir_ : maildir_ / ("." + step.folder);
        long long date = step.date ? step.date : 1700000000 + counter_;
        std::string base = std::to_string(date) + ".M" + std::to_string(++counter_) + "P" +
                           std::to_string(getpid()) + ".maildextest";
        fs::path tmp = dir / "tmp" / base;
        {
            std::ofstream out(tmp, std::ios::binary);
            out << step.text;
        }
        struct timespec times[2] = {{date, 0}, {date, 0}};
        ::utimensat(AT_FDCWD, tmp.c_str(), times, 0);
        fs::path target =
            step.inNew ? dir / "new" / base : dir / "cur" / (base + ":2," + step.flags);
        fs::rename(tmp, target);
    }

    const Options& options_;
    const Script& script_;
    fs::path maildir_;
    std::unique_ptr<TestServer> server_;  // tcp mode; destroyed after the connections
    std::map<std::string, std::unique_ptr<Connection>> connections_;
    Captures captures_;
    std::string transcript_;
    const Step* current_ = nullptr;
    int counter_ = 0;
};

int usage() {
    std::cerr
        << "usage: transcript_runner [--mode inprocess|stdio] [--maildexd PATH] [--keep] SCRIPT\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--mode" && i + 1 < argc)
            options.mode = argv[++i];
        else if (a == "--maildexd" && i + 1 < argc)
            options.maildexd = argv[++i];
        else if (a == "--keep")
            options.keep = true;
        else if (!a.empty() && a[0] != '-' && options.script.empty())
            options.script = a;
        else
            return usage();
    }
    if (options.script.empty() ||
        (options.mode != "inprocess" && options.mode != "stdio" && options.mode != "tcp") ||
        (options.mode != "inprocess" && options.maildexd.empty()))
        return usage();

    char tmpl[] = "/tmp/maildex-transcript-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        std::cerr << "cannot create a temporary directory\n";
        return 1;
    }
    fs::path root = tmpl;
    fs::path maildir = root / "Maildir";
    for (const char* sub : {"cur", "new", "tmp"})
        fs::create_directories(maildir / sub);

    int rc = 0;
    try {
        Script script = loadScript(options.script);
        if (std::find(script.modes.begin(), script.modes.end(), options.mode) ==
            script.modes.end()) {
            std::cerr << "not run in " << options.mode << " mode (@modes)\n";
            fs::remove_all(root);
            return 0;
        }
        Runner runner(options, script, maildir);
        try {
            runner.run();
        } catch (const Failure& f) {
            std::cerr << "FAIL " << f.what() << "\n";
            runner.printLog(std::cerr);
            rc = 1;
        }
    } catch (const std::exception& e) {
        std::cerr << "ERROR " << e.what() << "\n";
        rc = 1;
    }
    if (options.keep) {
        std::cerr << "kept " << root << "\n";
    } else {
        // SQLite may still be removing its -wal/-shm files as the last handle goes (the
        // watcher thread can hold a folder a moment longer): retry until it is gone.
        std::error_code ec;
        for (int i = 0; i < 50 && fs::exists(root, ec); ++i) {
            fs::remove_all(root, ec);
            if (fs::exists(root, ec)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    return rc;
}
