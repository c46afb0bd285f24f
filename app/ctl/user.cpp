// maildexctl user add|passwd|del|list

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/site_config.h"
#include "core/auth/user_database.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl user add NAME (--home DIR | --maildir DIR) [OPTIONS]\n"
    "       maildexctl user passwd NAME [--scheme S] [--password-stdin]\n"
    "       maildexctl user del NAME\n"
    "       maildexctl user list\n"
    "\n"
    "Edits the user database (Dovecot's passwd-file format, the file the server reads):\n"
    "--userdb FILE, else MAILDEX_USERDB from the environment or the server's\n"
    "configuration (--config FILE). Every edit locks the file, writes a new one and\n"
    "renames it into place, so the server always reads a whole file.\n"
    "\n"
    "The password is asked for twice on the terminal without echo, or read as one line\n"
    "from standard input with --password-stdin; never from the command line, where\n"
    "other users could see it.\n"
    "\n"
    "  --home DIR          the user's home; the Maildir is DIR/Maildir\n"
    "  --maildir DIR       the Maildir itself (written as maildir=DIR)\n"
    "  --uid N, --gid N    numeric owner, for the file's uid and gid fields\n"
    "  --scheme S          yescrypt (default), sha512-crypt or bcrypt\n"
    "  --password-stdin    read the password from standard input\n"
    "\n"
    "Exit codes: 0 done; 2 bad arguments; 3 the edit failed (no such user, user exists,\n"
    "unreadable file, passwords did not match...).\n";

// Reads a password without echo from the terminal (asking twice), or one line from
// stdin. The buffer is wiped by the caller.
std::string readPassword(bool fromStdin, const std::string& user) {
    std::string password;
    if (fromStdin) {
        if (!std::getline(std::cin, password))
            throw std::runtime_error("no password on standard input");
        if (!password.empty() && password.back() == '\r') password.pop_back();
    } else {
        int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
        if (tty < 0)
            throw std::runtime_error(
                "no terminal to ask for the password on; use --password-stdin");
        struct termios saved;
        bool haveTermios = ::tcgetattr(tty, &saved) == 0;
        auto ask = [&](const std::string& prompt) {
            [[maybe_unused]] auto w = ::write(tty, prompt.data(), prompt.size());
            if (haveTermios) {
                struct termios quiet = saved;
                quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
                quiet.c_lflag |= ECHONL;
                ::tcsetattr(tty, TCSAFLUSH, &quiet);
            }
            std::string line;
            char c;
            while (::read(tty, &c, 1) == 1 && c != '\n')
                line += c;
            if (haveTermios) ::tcsetattr(tty, TCSAFLUSH, &saved);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        };
        password = ask("Password for " + user + ": ");
        std::string again = ask("Again: ");
        bool same = password == again;
        std::fill(again.begin(), again.end(), '\0');
        ::close(tty);
        if (!same) {
            std::fill(password.begin(), password.end(), '\0');
            throw std::runtime_error("the two passwords differ; nothing was changed");
        }
    }
    if (password.empty()) throw std::runtime_error("an empty password is not allowed");
    return password;
}

std::filesystem::path userdbFile(Args& args) {
    if (auto v = args.value("--userdb")) return *v;
    if (!site().userDb.empty()) return site().userDb;
    throw UsageError(
        "name the user database: --userdb FILE, or MAILDEX_USERDB in the environment or "
        "the configuration (--config FILE)");
}

// The scheme's hashing, checked before any password is asked for.
core::auth::HashScheme schemeFor(const std::optional<std::string>& scheme) {
    auto s = core::auth::parseHashScheme(scheme.value_or("yescrypt"));
    if (!s)
        throw UsageError("--scheme takes yescrypt, sha512-crypt or bcrypt, not '" + *scheme + "'");
    return *s;
}

// Whether the database lists `name` (as logins match it); false when there is no file yet.
bool listed(const std::filesystem::path& file, const std::string& name) {
    if (!std::filesystem::exists(file)) return false;
    for (const auto& u : core::auth::listUsers(file))
        if (u.name == name) return true;
    return false;
}

}  // namespace

int runUser(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp;
        return kExitOk;
    }
    auto file = userdbFile(args);
    auto home = args.value("--home");
    auto maildir = args.value("--maildir");
    auto uid = args.value("--uid");
    auto gid = args.value("--gid");
    auto scheme = args.value("--scheme");
    bool fromStdin = args.flag("--password-stdin");
    auto rest = args.finish();
    if (rest.empty()) throw UsageError("say what to do: add, passwd, del or list");
    std::string action = rest[0];
    rest.erase(rest.begin());

    if (action == "list") {
        if (!rest.empty()) throw UsageError("list takes no names");
        std::vector<std::string> warnings;
        auto users = core::auth::listUsers(file, {}, &warnings);
        for (const auto& w : warnings)
            std::cerr << "warning: " << file.string() << ": " << w << "\n";
        // Columns as wide as their longest entry, so the Maildirs line up.
        std::size_t nameWidth = 4, schemeWidth = 6;
        auto schemeOf = [](const core::auth::UserInfo& u) {
            return u.scheme.empty() ? std::string("(no password)") : u.scheme;
        };
        for (const auto& u : users) {
            nameWidth = std::max(nameWidth, u.name.size());
            schemeWidth = std::max(schemeWidth, schemeOf(u).size());
        }
        auto row = [&](std::string a, std::string b, const std::string& c) {
            a.resize(nameWidth, ' ');
            b.resize(schemeWidth, ' ');
            std::cout << a << "  " << b << "  " << c << "\n";
        };
        if (!users.empty()) row("USER", "SCHEME", "MAILDIR");
        for (const auto& u : users)
            row(u.name, schemeOf(u), u.maildir.string());
        printParagraph(std::cout,
                       plural(users.size(), "user", "users") + " in " + unbroken(file.string()) +
                           (warnings.empty() ? "."
                                             : "; " + plural(warnings.size(), "line", "lines") +
                                                   " skipped (above)."));
        return warnings.empty() ? kExitOk : kExitWarnings;
    }
    if (rest.size() != 1) throw UsageError(action + " takes one user name");
    const std::string& name = rest[0];
    if (action != "add" && (home || maildir || uid || gid))
        throw UsageError("--home, --maildir, --uid and --gid are for add");
    if (action == "del" && (scheme || fromStdin)) throw UsageError("del takes no password options");
    try {
        if (action == "add") {
            if (auto why = core::auth::checkUserName(name)) throw UsageError(*why);
            if (!home && !maildir) throw UsageError("add needs --home DIR or --maildir DIR");
            auto hashing = schemeFor(scheme);
            // Refused before the password is asked for, not after it was typed twice.
            if (listed(file, name))
                throw std::runtime_error("user " + name + " already exists in " + file.string());
            auto password = readPassword(fromStdin, name);
            core::auth::NewUser u;
            u.name = name;
            u.passwordHash = core::auth::hashPassword(password, hashing);
            std::fill(password.begin(), password.end(), '\0');
            u.uid = uid.value_or("");
            u.gid = gid.value_or("");
            u.home = home.value_or("");
            if (maildir) u.extra = "maildir=" + *maildir;
            core::auth::addUser(file, u);
            printParagraph(std::cout,
                           "Added user " + unbroken(name) + " to " + unbroken(file.string()) + ".");
        } else if (action == "passwd") {
            auto hashing = schemeFor(scheme);
            if (!listed(file, name))
                throw std::runtime_error("no user " + name + " in " + file.string());
            auto password = readPassword(fromStdin, name);
            auto hash = core::auth::hashPassword(password, hashing);
            std::fill(password.begin(), password.end(), '\0');
            core::auth::setPassword(file, name, hash);
            printParagraph(std::cout, "Changed the password of " + name + " in " +
                                          unbroken(file.string()) + ".");
        } else if (action == "del") {
            core::auth::removeUser(file, name);
            printParagraph(std::cout, "Removed user " + unbroken(name) + " from " +
                                          unbroken(file.string()) + " (the Maildir stays).");
        } else {
            throw UsageError("unknown user command '" + action + "'");
        }
    } catch (const UsageError&) {
        throw;
    } catch (const std::exception& e) {
        std::cerr << "maildexctl user " << action << ": " << e.what() << "\n";
        return kExitFailed;
    }
    return kExitOk;
}

}  // namespace maildex::ctl
