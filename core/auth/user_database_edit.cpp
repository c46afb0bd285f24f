// Editing the user database for the admin tool: addUser, setPassword, removeUser and
// listUsers of core/auth/user_database.h. The server only reads the file; every change goes
// through here, under a lock, by writing a new file and renaming it into place.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/auth/passwd_file.h"
#include "core/auth/user_database.h"

namespace maildex::core::auth {

namespace {

using passwd::Entry;
using passwd::nameKey;
using passwd::wipe;

// An exclusive lock on "<file>.lock" for the duration of one edit. A separate lock file,
// because the edit replaces the user file's inode: a lock on the old inode would not stop
// a second editor that opened the new one.
class EditLock {
  public:
    explicit EditLock(const std::filesystem::path& lockFile) {
        fd_ = ::open(lockFile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd_ < 0)
            throw UserDbError("cannot open lock file " + lockFile.string() + ": " +
                              std::strerror(errno));
        // Another maildexctl holds it only for milliseconds; waiting ten seconds and then
        // saying so beats hanging forever behind a stuck process.
        for (int attempt = 0;; ++attempt) {
            if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
            if (errno == EINTR) continue;
            if (errno != EWOULDBLOCK || attempt >= 200) {
                int err = errno;
                ::close(fd_);
                throw UserDbError("cannot lock " + lockFile.string() + ": " +
                                  (err == EWOULDBLOCK ? std::string("another process holds it")
                                                      : std::string(std::strerror(err))));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ~EditLock() { ::close(fd_); }  // closing releases the flock
    EditLock(const EditLock&) = delete;
    EditLock& operator=(const EditLock&) = delete;

  private:
    int fd_ = -1;
};

struct FileLines {
    std::vector<std::string> lines;  // without their '\n'
    bool finalNewline = true;
};

FileLines splitLines(std::string_view text) {
    FileLines out;
    out.finalNewline = text.empty() || text.ends_with('\n');
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            out.lines.emplace_back(text.substr(pos));
            break;
        }
        out.lines.emplace_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

// The name key of a user line, or nullopt for comments, blank lines and lines without ':'.
std::optional<std::string> lineKey(std::string_view line) {
    if (line.empty() || line.starts_with("#")) return std::nullopt;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    return nameKey(line.substr(0, colon));
}

void writeAllOrThrow(int fd, std::string_view data, const std::filesystem::path& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw UserDbError("cannot write " + path.string() + ": " + std::strerror(errno));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The file an edit replaces: a symlink's target, so the link stays a link.
std::filesystem::path editTarget(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_symlink(file, ec)) return file;
    auto target = std::filesystem::canonical(file, ec);
    if (ec)
        throw UserDbError("user database " + file.string() +
                          " is a symlink to nowhere: " + ec.message());
    return target;
}

// Locks, reads, lets `change` edit the lines, and replaces the file atomically.
template <typename Change>
void editFile(const std::filesystem::path& file, bool createIfMissing, Change change) {
    auto target = editTarget(file);
    EditLock lock(target.string() + ".lock");

    struct stat st {};
    bool exists = ::stat(target.c_str(), &st) == 0;
    if (!exists && errno != ENOENT)
        throw UserDbError("cannot stat " + target.string() + ": " + std::strerror(errno));
    if (!exists && !createIfMissing)
        throw UserDbError("user database " + target.string() + " does not exist");
    std::string content = exists ? passwd::readUserFile(target, nullptr, nullptr) : std::string();
    FileLines edited = splitLines(content);
    wipe(content);
    change(edited);

    std::string out;
    for (std::size_t i = 0; i < edited.lines.size(); ++i) {
        out += edited.lines[i];
        if (i + 1 < edited.lines.size() || edited.finalNewline) out += '\n';
    }
    for (auto& l : edited.lines)
        wipe(l);

    auto tmp = std::filesystem::path(target.string() + ".tmp");
    // A leftover from a crashed edit (we hold the lock, so nobody is writing it) is removed
    // rather than reused: O_EXCL guarantees a fresh inode that nothing else links to.
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        wipe(out);
        throw UserDbError("cannot create " + tmp.string() + ": " + std::strerror(errno));
    }
    try {
        if (exists) {
            struct stat mine {};
            if (::fstat(fd, &mine) != 0)
                throw UserDbError("cannot stat " + tmp.string() + ": " + std::strerror(errno));
            // The server may read the file as another user than the one editing it: keep
            // the owner, or stop before the server loses access.
            if ((mine.st_uid != st.st_uid || mine.st_gid != st.st_gid) &&
                ::fchown(fd, st.st_uid, st.st_gid) != 0)
                throw UserDbError("cannot give " + tmp.string() + " the owner of " +
                                  target.string() + " (uid " + std::to_string(st.st_uid) +
                                  ", gid " + std::to_string(st.st_gid) +
                                  "): " + std::strerror(errno) + "; run as that user or root");
            if (::fchmod(fd, st.st_mode & 07777) != 0)
                throw UserDbError("cannot set the mode of " + tmp.string() + ": " +
                                  std::strerror(errno));
        }
        writeAllOrThrow(fd, out, tmp);
        if (::fsync(fd) != 0)
            throw UserDbError("cannot fsync " + tmp.string() + ": " + std::strerror(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        wipe(out);
        throw;
    }
    wipe(out);
    if (::close(fd) != 0) {
        ::unlink(tmp.c_str());
        throw UserDbError("cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw UserDbError("cannot rename " + tmp.string() + " to " + target.string() + ": " +
                          std::strerror(err));
    }
    // The rename is durable only once the directory is synced.
    auto dir = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

// A field that goes between colons: no ':' and nothing that would break the line.
void checkField(std::string_view what, std::string_view value, bool colonAllowed = false) {
    if (passwd::hasControl(value))
        throw UserDbError(std::string(what) + " contains a control character");
    if (!colonAllowed && value.find(':') != std::string_view::npos)
        throw UserDbError(std::string(what) + " \"" + std::string(value) +
                          "\" contains ':', the field separator of the user database");
}

void checkHash(std::string_view passwordHash) {
    if (passwordHash.empty()) throw UserDbError("the password hash is empty");
    if (passwd::hasControl(passwordHash) ||
        passwordHash.find_first_of(" :") != std::string_view::npos)
        throw UserDbError("the password hash contains ':', whitespace or control characters");
    Entry e;
    std::vector<std::string> notes;
    passwd::parsePasswordField(passwordHash, e, notes);
    wipe(e.secret);
    if (e.kind != passwd::Kind::Crypt && e.kind != passwd::Kind::Plain &&
        e.kind != passwd::Kind::Scram)
        throw UserDbError("the password hash is not usable: " +
                          (notes.empty() ? std::string("unknown scheme") : notes.front()));
}

void requireName(std::string_view name) {
    if (auto bad = checkUserName(name)) throw UserDbError(*bad);
}

}  // namespace

void addUser(const std::filesystem::path& file, const NewUser& user) {
    requireName(user.name);
    checkHash(user.passwordHash);
    checkField("uid", user.uid);
    checkField("gid", user.gid);
    checkField("gecos", user.gecos);
    checkField("home", user.home);
    checkField("shell", user.shell);
    checkField("extra fields", user.extra, true);
    std::string line = user.name + ":" + user.passwordHash + ":" + user.uid + ":" + user.gid + ":" +
                       user.gecos + ":" + user.home + ":" + user.shell + ":" + user.extra;
    // The same parser the server uses decides whether the line is usable.
    {
        Entry e;
        std::string error;
        std::vector<std::string> notes;
        bool ok = passwd::parseLine(line, UserDatabaseOptions{}, e, error, notes);
        wipe(e.secret);
        if (!ok) throw UserDbError("cannot add user \"" + user.name + "\": " + error);
    }
    auto key = nameKey(user.name);
    editFile(file, true, [&](FileLines& f) {
        for (const auto& l : f.lines)
            if (lineKey(l) == key)
                throw UserDbError("user \"" + user.name + "\" already exists in " + file.string());
        // Joining puts a '\n' between lines, so a last line without one gets it here.
        f.lines.push_back(line);
        f.finalNewline = true;
    });
    wipe(line);
}

void setPassword(const std::filesystem::path& file, std::string_view name,
                 std::string_view passwordHash) {
    requireName(name);
    checkHash(passwordHash);
    auto key = nameKey(name);
    editFile(file, false, [&](FileLines& f) {
        bool found = false;
        for (auto& l : f.lines) {
            if (lineKey(l) != key) continue;
            found = true;
            // Only the second field changes; the rest of the line stays byte for byte.
            auto first = l.find(':');
            auto second = l.find(':', first + 1);
            std::string rest = second == std::string::npos ? std::string() : l.substr(second);
            if (second == std::string::npos && l.ends_with('\r')) rest = "\r";
            std::string replaced = l.substr(0, first + 1) + std::string(passwordHash) + rest;
            wipe(l);
            l = std::move(replaced);
        }
        if (!found)
            throw UserDbError("user \"" + std::string(name) + "\" is not in " + file.string());
    });
}

void removeUser(const std::filesystem::path& file, std::string_view name) {
    requireName(name);
    auto key = nameKey(name);
    editFile(file, false, [&](FileLines& f) {
        auto before = f.lines.size();
        std::erase_if(f.lines, [&](std::string& l) {
            if (lineKey(l) != key) return false;
            wipe(l);
            return true;
        });
        if (f.lines.size() == before)
            throw UserDbError("user \"" + std::string(name) + "\" is not in " + file.string());
    });
}

std::vector<UserInfo> listUsers(const std::filesystem::path& file,
                                const UserDatabaseOptions& options,
                                std::vector<std::string>* warnings) {
    // The file is replaced by rename, so reading without the lock sees a whole version.
    passwd::Parsed parsed;
    passwd::readAndParse(file, options, parsed, nullptr);
    if (warnings) *warnings = parsed.warnings;
    std::vector<UserInfo> out;
    out.reserve(parsed.entries.size());
    for (const auto& e : parsed.entries)
        out.push_back(e.info);
    for (auto& e : parsed.entries)
        wipe(e.secret);
    return out;
}

}  // namespace maildex::core::auth
