#include "core/auth/passwd_file.h"

#include "core/auth/scram.h"

#include <crypt.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

namespace maildex::core::auth {

namespace passwd {

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

namespace {

struct SchemeName {
    std::string_view name;
    Kind kind;
    std::string_view hashPrefix;  // what hashes of this scheme start with; empty: any
};

constexpr SchemeName kSchemes[] = {
    {"CRYPT", Kind::Crypt, ""},           {"SHA512-CRYPT", Kind::Crypt, "$6$"},
    {"SHA256-CRYPT", Kind::Crypt, "$5$"}, {"BLF-CRYPT", Kind::Crypt, "$2"},
    {"MD5-CRYPT", Kind::Crypt, "$1$"},    {"MD5", Kind::Crypt, "$1$"},  // Dovecot's alias
    {"PLAIN", Kind::Plain, ""},           {"CLEAR", Kind::Plain, ""},
    {"CLEARTEXT", Kind::Plain, ""},       {"SCRAM-SHA-256", Kind::Scram, ""},
};

bool isDigits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string costClass(std::string_view hash) {
    if (hash.starts_with("$2")) return std::string(hash.substr(0, 7));
    if (!hash.starts_with("$")) return "des";
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto pos = hash.find('$', start);
        parts.push_back(
            hash.substr(start, pos == std::string_view::npos ? hash.npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    std::string out;
    for (std::size_t i = 1; i + 2 < parts.size(); ++i)
        out += "$" + std::string(parts[i]);
    return out;
}

std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string nameKey(std::string_view name) {
    auto at = name.rfind('@');
    if (at == std::string_view::npos) return std::string(name);
    return std::string(name.substr(0, at + 1)) + lower(name.substr(at + 1));
}

bool hasControl(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

// ---------------------------------------------------------------------------------------
// Parsing.

Signature signatureOf(const struct stat& st) {
    return {st.st_dev, st.st_ino, st.st_size,
            static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec,
            static_cast<long long>(st.st_ctim.tv_sec) * 1000000000LL + st.st_ctim.tv_nsec};
}

void parsePasswordField(std::string_view field, Entry& e, std::vector<std::string>& notes) {
    if (field.empty()) {
        e.kind = Kind::NoPassword;
        e.info.scheme.clear();
        notes.push_back("empty password field: logins as this user are refused");
        return;
    }
    std::string_view scheme = "CRYPT", hash = field;  // Dovecot's default for a bare hash
    if (field.starts_with("{")) {
        auto close = field.find('}');
        if (close == std::string_view::npos) {
            e.kind = Kind::Unusable;
            e.info.scheme = "?";
            notes.push_back("password field starts with '{' but has no '}': logins refused");
            return;
        }
        scheme = field.substr(1, close - 1);
        hash = field.substr(close + 1);
    }
    e.info.scheme = upper(scheme);
    const SchemeName* known = nullptr;
    for (const auto& s : kSchemes)
        if (s.name == e.info.scheme) known = &s;
    if (!known) {
        e.kind = Kind::Unusable;
        notes.push_back("password scheme {" + printable(e.info.scheme) +
                        "} is not supported: logins refused");
        return;
    }
    e.secret = std::string(hash);
    e.kind = known->kind;
    if (e.kind == Kind::Scram && !parseDovecotScram(e.secret)) {
        e.kind = Kind::Unusable;
        notes.push_back(
            "{SCRAM-SHA-256} expects ITERATIONS,SALT,STOREDKEY,SERVERKEY (base64, as doveadm pw "
            "writes it): logins refused");
        return;
    }
    if (e.kind != Kind::Crypt) return;
    int check = crypt_checksalt(e.secret.c_str());
    if (hash.empty() || check == CRYPT_SALT_INVALID || check == CRYPT_SALT_METHOD_DISABLED) {
        e.kind = Kind::Unusable;
        notes.push_back(
            "the hash is not one libcrypt can verify (a locked account?): logins "
            "refused");
        return;
    }
    if (!known->hashPrefix.empty() && !hash.starts_with(known->hashPrefix))
        notes.push_back("scheme {" + e.info.scheme + "} but the hash does not start with " +
                        std::string(known->hashPrefix) + " (libcrypt goes by the hash)");
    if (check == CRYPT_SALT_METHOD_LEGACY)
        notes.push_back("libcrypt calls this hash kind legacy; set a new password (yescrypt)");
}

namespace {

// Resolves where the Maildir is. Empty on error, with the reason in `error`.
std::filesystem::path resolveMaildir(const Entry& e, std::string_view extra,
                                     const UserDatabaseOptions& options, std::string& error,
                                     std::vector<std::string>& notes) {
    std::optional<std::string> fromExtra;
    std::size_t pos = 0;
    while (pos < extra.size()) {
        while (pos < extra.size() && (extra[pos] == ' ' || extra[pos] == '\t'))
            ++pos;
        auto end = pos;
        while (end < extra.size() && extra[end] != ' ' && extra[end] != '\t')
            ++end;
        auto field = extra.substr(pos, end - pos);
        pos = end;
        auto eq = field.find('=');
        if (eq == std::string_view::npos) continue;  // Dovecot's flags, e.g. "nodelay"
        auto key = field.substr(0, eq), value = field.substr(eq + 1);
        if (key == "maildir") {
            fromExtra = std::string(value);
        } else if (key == "mail" || key == "userdb_mail") {
            // Dovecot's mail location: maildir:PATH[:KEY=VALUE...].
            if (!value.starts_with("maildir:")) {
                error = "mail location \"" + std::string(value) + "\" is not a Maildir";
                return {};
            }
            value.remove_prefix(8);
            auto colon = value.find(':');
            if (colon != std::string_view::npos) {
                notes.push_back("options after the Maildir path in " + std::string(key) +
                                "= are ignored (the layout served is Maildir++)");
                value = value.substr(0, colon);
            }
            fromExtra = std::string(value);
        }
    }
    const std::string& home = e.info.home;
    if (fromExtra) {
        std::string p = *fromExtra;
        if (p.empty()) {
            error = "empty maildir= field";
            return {};
        }
        if (p == "~" || p.starts_with("~/")) {
            if (home.empty()) {
                error = "maildir path starts with '~' but there is no home directory";
                return {};
            }
            return std::filesystem::path(home) / (p.size() > 2 ? p.substr(2) : "");
        }
        if (p.starts_with("/")) return p;
        if (home.empty()) {
            error = "relative maildir path and no home directory";
            return {};
        }
        return std::filesystem::path(home) / p;
    }
    if (home.empty()) {
        error = "no home directory and no maildir= field";
        return {};
    }
    return std::filesystem::path(home) / options.accounts.maildirPath;
}

}  // namespace

bool parseLine(std::string_view line, const UserDatabaseOptions& options, Entry& e,
               std::string& error, std::vector<std::string>& notes) {
    std::string_view fields[7];
    std::size_t count = 0, start = 0;
    std::string_view extra;
    while (true) {
        auto colon = line.find(':', start);
        if (count == 6 || colon == std::string_view::npos) {
            // The seventh field (shell) ends at the next colon; the rest is extra fields.
            if (count == 6 && colon != std::string_view::npos) {
                fields[count++] = line.substr(start, colon - start);
                extra = line.substr(colon + 1);
            } else {
                fields[count++] = line.substr(start);
            }
            break;
        }
        fields[count++] = line.substr(start, colon - start);
        start = colon + 1;
    }
    if (count < 2) {
        error = "no ':' (expected user:password:uid:gid:gecos:home:shell:extra)";
        return false;
    }
    if (auto bad = checkUserName(fields[0])) {
        error = *bad;
        return false;
    }
    e.info.name = std::string(fields[0]);
    e.info.uid = std::string(fields[2]);
    e.info.gid = std::string(fields[3]);
    e.info.gecos = std::string(fields[4]);
    e.info.home = std::string(fields[5]);
    e.info.shell = std::string(fields[6]);
    e.info.extra = std::string(extra);
    if (!isDigits(e.info.uid) || !isDigits(e.info.gid)) {
        error = "uid and gid must be numbers (or empty)";
        return false;
    }
    if (!e.info.home.empty() && !e.info.home.starts_with("/")) {
        error = "home directory \"" + printable(e.info.home) + "\" is not an absolute path";
        return false;
    }
    e.info.maildir = resolveMaildir(e, extra, options, error, notes);
    if (e.info.maildir.empty()) return false;
    parsePasswordField(fields[1], e, notes);
    return true;
}

void parseText(std::string_view text, const UserDatabaseOptions& options, Parsed& out) {
    // Reserved up front so entries (which may hold {PLAIN} passwords) are built in place
    // and never copied by a growing vector.
    out.entries.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    std::size_t lineNo = 0, pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineNo;
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        if (line.starts_with("#")) continue;
        auto where = "line " + std::to_string(lineNo) + ": ";
        Entry& e = out.entries.emplace_back();
        std::string error;
        std::vector<std::string> notes;
        bool ok = parseLine(line, options, e, error, notes);
        if (!ok) {
            out.errors.push_back(std::to_string(lineNo) + ": " + error);
            out.errorLines.push_back(std::hash<std::string_view>{}(line));
        }
        if (ok) {
            e.info.line = lineNo;
            auto [it, inserted] = out.byKey.emplace(nameKey(e.info.name), out.entries.size() - 1);
            if (!inserted) {
                ok = false;
                error = "user \"" + e.info.name + "\" already defined on line " +
                        std::to_string(out.entries[it->second].info.line) +
                        " (the first one counts)";
            }
        }
        if (!ok) {
            out.warnings.push_back(where + error + "; line skipped");
            wipe(e.secret);
            out.entries.pop_back();
            continue;
        }
        for (auto& n : notes)
            out.warnings.push_back(where + "user \"" + e.info.name + "\": " + n);
    }
}

std::string readUserFile(const std::filesystem::path& file, Signature* sig, mode_t* mode) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw UserDbError("cannot open user database " + file.string() + ": " +
                          std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw UserDbError("user database " + file.string() + " is not a regular file");
    }
    std::string content;
    content.reserve(static_cast<std::size_t>(st.st_size) + 1);
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            wipe(content);
            OPENSSL_cleanse(buf, sizeof buf);
            throw UserDbError("cannot read user database " + file.string() + ": " +
                              std::strerror(err));
        }
        if (n == 0) break;
        content.append(buf, static_cast<std::size_t>(n));
    }
    OPENSSL_cleanse(buf, sizeof buf);
    ::close(fd);
    if (sig) *sig = signatureOf(st);
    if (mode) *mode = st.st_mode;
    return content;
}

void readAndParse(const std::filesystem::path& file, const UserDatabaseOptions& options,
                  Parsed& out, Signature* signature) {
    mode_t mode = 0;
    std::string content = readUserFile(file, signature, &mode);
    parseText(content, options, out);
    wipe(content);
    if (mode & S_IROTH)
        out.warnings.push_back(
            "the file is readable by every local user; password hashes should not be "
            "(chmod o-r)");
}

}  // namespace passwd

std::optional<std::string> checkUserName(std::string_view name) {
    auto quoted = "user name \"" + passwd::printable(name) + "\" ";
    if (name.empty()) return std::string("the user name is empty");
    if (name.size() > 255) return quoted + "is longer than 255 bytes";
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (c == ':') return quoted + "contains ':', the field separator of the user database";
        if (u < 0x20 || u == 0x7f) return quoted + "contains a control character";
        if (c == ' ') return quoted + "contains whitespace";
    }
    // Unicode's spaces in UTF-8 (no-break space, the U+2000 block, ideographic space, ...):
    // invisible in a listing, and no mail client user means to type them.
    for (std::string_view space :
         {"\u0085", "\u00a0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005",
          "\u2006", "\u2007", "\u2008", "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f",
          "\u3000"})
        if (name.find(space) != std::string_view::npos) return quoted + "contains whitespace";
    if (name.starts_with("#"))
        return quoted + "starts with '#', which would make its line a comment";
    auto at = name.rfind('@');
    if (at != std::string_view::npos && (at == 0 || at + 1 == name.size()))
        return quoted + "has nothing before or after its '@'";
    return std::nullopt;
}

}  // namespace maildex::core::auth
