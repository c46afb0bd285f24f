#include "app/ctl/common.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "app/ctl/site_config.h"
#include "core/auth/user_database.h"

namespace maildex::ctl {

const char* const kExitCodeHelp =
    "Exit codes:\n"
    "  0  done, nothing to report\n"
    "  1  done, with warnings or differences (each one is printed)\n"
    "  2  bad arguments; nothing was done\n"
    "  3  failed for at least one Maildir (the others were done; errors name it)\n";

const char* const kTargetHelp =
    "Maildirs: PATH... names them directly; --user NAME (repeatable) and --all take them\n"
    "from the user database: --userdb FILE, else MAILDEX_USERDB (Dovecot passwd-file\n"
    "format, as the server reads it). --index-dir DIR, else MAILDEX_INDEX_DIR, when the\n"
    "server keeps its indexes outside the Maildirs. Both settings are read from the\n"
    "environment, else from the server's configuration: --config FILE, by default\n"
    "/etc/maildex/maildex.conf when it exists. Run as root, maildexctl works on each\n"
    "Maildir as the Maildir's owner, so the files it makes belong to that user.\n";

bool Args::help() {
    for (const auto& a : args_) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") return true;
    }
    return false;
}

bool Args::flag(const std::string& name) {
    bool found = false;
    for (auto it = args_.begin(); it != args_.end();) {
        if (*it == "--") break;
        if (*it == name) {
            found = true;
            it = args_.erase(it);
        } else if (it->rfind(name + "=", 0) == 0) {
            throw UsageError("option " + name + " takes no value");
        } else {
            ++it;
        }
    }
    return found;
}

std::vector<std::string> Args::values(const std::string& name) {
    std::vector<std::string> out;
    for (auto it = args_.begin(); it != args_.end();) {
        if (*it == "--") break;
        if (*it == name) {
            if (it + 1 == args_.end() || *(it + 1) == "--")
                throw UsageError("option " + name + " needs a value");
            out.push_back(*(it + 1));
            it = args_.erase(it, it + 2);
        } else if (it->rfind(name + "=", 0) == 0) {
            out.push_back(it->substr(name.size() + 1));
            it = args_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::optional<std::string> Args::value(const std::string& name) {
    auto all = values(name);
    if (all.empty()) return std::nullopt;
    return all.back();
}

std::vector<std::string> Args::finish() {
    std::vector<std::string> out;
    bool options = true;
    for (const auto& a : args_) {
        if (options && a == "--") {
            options = false;
            continue;
        }
        if (options && a.size() > 1 && a[0] == '-') throw UsageError("unknown option " + a);
        out.push_back(a);
    }
    args_.clear();
    return out;
}

TargetOptions takeTargetOptions(Args& args) {
    TargetOptions o;
    o.users = args.values("--user");
    o.all = args.flag("--all");
    o.userdb = args.value("--userdb");
    return o;
}

std::vector<Target> resolveTargets(const TargetOptions& o, const std::vector<std::string>& paths) {
    int kinds = (paths.empty() ? 0 : 1) + (o.users.empty() ? 0 : 1) + (o.all ? 1 : 0);
    if (kinds == 0) throw UsageError("name the Maildirs: PATH..., --user NAME or --all");
    if (kinds > 1) throw UsageError("give PATH..., --user NAME or --all, not several of them");
    std::vector<Target> out;
    for (const auto& p : paths)
        out.push_back({p, p});
    if (paths.empty()) {
        std::string file = o.userdb.value_or(site().userDb.string());
        if (file.empty())
            throw UsageError(
                "--user and --all need the user database: --userdb FILE, or MAILDEX_USERDB "
                "in the environment or the configuration (--config FILE)");
        std::vector<std::string> warnings;
        core::auth::UserDatabaseOptions options;
        options.accounts = site().accounts;  // MAILDIRPATH and DEFDOMAIN, as the server
        auto users = core::auth::listUsers(file, options, &warnings);
        for (const auto& w : warnings)
            std::cerr << "maildexctl: " << file << ": " << w << "\n";
        if (o.all) {
            for (const auto& u : users)
                out.push_back({"user " + u.name + " (" + u.maildir.string() + ")", u.maildir});
        } else {
            for (const auto& name : o.users) {
                auto it =
                    std::find_if(users.begin(), users.end(),
                                 [&](const core::auth::UserInfo& u) { return u.name == name; });
                if (it == users.end()) throw UsageError("no user '" + name + "' in " + file);
                out.push_back(
                    {"user " + it->name + " (" + it->maildir.string() + ")", it->maildir});
            }
        }
    }
    return out;
}

std::vector<Target> resolveTargets(Args& args, const std::vector<std::string>& paths) {
    return resolveTargets(takeTargetOptions(args), paths);
}

AsMaildirOwner::AsMaildirOwner(const std::filesystem::path& maildir) {
    struct stat st;
    if (::geteuid() != 0 || ::stat(maildir.c_str(), &st) != 0 || st.st_uid == 0) return;
    if (::setgroups(0, nullptr) != 0 || ::setegid(st.st_gid) != 0 || ::seteuid(st.st_uid) != 0) {
        int err = errno;
        [[maybe_unused]] int a = ::seteuid(0), b = ::setegid(0);
        throw std::runtime_error("cannot work as the owner (uid " + std::to_string(st.st_uid) +
                                 ") of " + maildir.string() + ": " + std::strerror(err));
    }
    switched_ = true;
}

AsMaildirOwner::~AsMaildirOwner() {
    if (!switched_) return;
    // Back to root for the next Maildir; failing here would leave the wrong identity.
    if (::seteuid(0) != 0 || ::setegid(0) != 0 || ::setgroups(0, nullptr) != 0) std::abort();
}

std::filesystem::path takeIndexDir(Args& args) {
    if (auto v = args.value("--index-dir")) return *v;
    return site().indexDir;  // the environment's, else the configuration's
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
    return withCommas(n) + " " + (n == 1 ? one : many);
}

std::string failure(const Target& t, const std::string& what) {
    // "/x: /x is not a Maildir" says the path twice; the index's errors name it already.
    if (t.label == t.maildir.string() && what.rfind(t.label + " ", 0) == 0) return what;
    return t.label + ": " + what;
}

std::string withCommas(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string duration(double seconds) {
    std::ostringstream out;
    out.precision(seconds < 10 ? 2 : 3);
    if (seconds < 1)
        out << static_cast<long>(seconds * 1000 + 0.5) << " ms";
    else
        out << seconds << " s";
    return out.str();
}

}  // namespace maildex::ctl
