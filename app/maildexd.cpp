// maildexd: the Maildex IMAP server.
//
//   maildexd PATH            one IMAP session on stdin/stdout, pre-authenticated, serving
//   MAILDIR=PATH maildexd    the Maildir at PATH (as Courier's "imapd ./Maildir" does)

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "core/engine.h"
#include "index/error.h"
#include "index/log.h"
#include "net/stdio_transport.h"

namespace {

void usage(std::ostream& out) {
    out << "Usage: maildexd PATH\n"
           "       MAILDIR=PATH maildexd\n"
           "\n"
           "Serves the Maildir at PATH as one pre-authenticated IMAP session on stdin and\n"
           "stdout (for mail clients that run the server as a tunnel command).\n";
}

int runStdio(const std::string& maildir) {
    using namespace maildex;
    // stdout carries IMAP; anything said about the session goes to stderr.
    log::setMinimumLevel(log::Level::Warn);
    core::ImapConfig config;
    core::TransportInfo transport;
    transport.clientAddress = "stdin";
    core::Engine engine(config, nullptr, transport);
    try {
        const char* user = std::getenv("USER");
        engine.session().preauthenticate({user ? user : "user", maildir});
    } catch (const index::Error& e) {
        std::string line = "* BYE " + std::string(e.what()) + "\r\n";
        [[maybe_unused]] auto n = ::write(1, line.data(), line.size());
        std::cerr << "maildexd: " << e.what() << "\n";
        return 1;
    }
    return net::runStdioSession(engine, 0, 1);
}

}  // namespace

int main(int argc, char** argv) {
    std::string maildir;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            usage(std::cout);
            return 0;
        }
        if (!a.empty() && a[0] == '-') {
            std::cerr << "maildexd: unknown option " << a << "\n";
            usage(std::cerr);
            return 2;
        }
        if (!maildir.empty()) {
            std::cerr << "maildexd: only one Maildir path may be given\n";
            return 2;
        }
        maildir = a;
    }
    if (maildir.empty()) {
        if (const char* env = std::getenv("MAILDIR")) maildir = env;
    }
    if (maildir.empty()) {
        usage(std::cerr);
        return 2;
    }
    return runStdio(maildir);
}
