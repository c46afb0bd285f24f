// Bulletins (bulletins.h): finding them, checking them, and delivering each once per Maildir.

#include "index/bulletins.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>

#include "index/error.h"
#include "index/file_util.h"
#include "index/inbox_delivery.h"
#include "index/quota_account.h"

namespace maildex::index {

namespace {

std::set<std::string> parseState(const std::string& text) {
    std::set<std::string> names;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        // A last line without its newline was cut short by a crash: not a name.
        if (end == std::string::npos) break;
        if (end > pos) names.insert(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return names;
}

std::string readAllFrom(int fd, const std::string& path) {
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throwIo("Cannot read", path, errno);
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

// The state file, open and exclusively locked for as long as this lives.
class LockedState {
  public:
    explicit LockedState(const std::filesystem::path& root) : path_(root / kBulletinStateFile) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd_ < 0) throwIo("Cannot open", path_.string(), errno);
        int rc;
        do {
            rc = ::flock(fd_, LOCK_EX);
        } while (rc != 0 && errno == EINTR);
        if (rc != 0) {
            int err = errno;
            ::close(fd_);
            throwIo("Cannot lock", path_.string(), err);
        }
        text_ = readAllFrom(fd_, path_.string());
        names_ = parseState(text_);
    }
    ~LockedState() { ::close(fd_); }  // and the lock with it
    LockedState(const LockedState&) = delete;
    LockedState& operator=(const LockedState&) = delete;

    bool has(const std::string& name) const { return names_.count(name) != 0; }

    // One write(), so a reader without the lock sees the line whole or not at all.
    void record(const std::string& name) {
        std::string line = (!text_.empty() && text_.back() != '\n' ? "\n" : "") + name + "\n";
        writeAll(fd_, line, path_.string());
        if (::fdatasync(fd_) != 0) throwIo("Cannot write", path_.string(), errno);
        text_ += line;
        names_.insert(name);
    }

  private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::string text_;
    std::set<std::string> names_;
};

bool hasHeader(const std::string& text, std::string_view field) {
    // Only the header section: up to the first empty line.
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) return false;
        if (line.size() > field.size() && line[field.size()] == ':' &&
            std::equal(field.begin(), field.end(), line.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            }))
            return true;
        pos = end + 1;
    }
    return false;
}

}  // namespace

std::vector<std::string> listBulletins(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        if (errno == ENOENT) return names;
        throwIo("Cannot read", dir.string(), errno);
    }
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        // Dot files are drafts (and . and ..); a name with a control character could not
        // be recorded one a line, nor logged as it is.
        if (name.empty() || name[0] == '.' ||
            std::any_of(name.begin(), name.end(),
                        [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
            continue;
        // Directories and the like are no bulletins; DT_UNKNOWN is looked at on reading.
        if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) continue;
        names.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> undeliveredBulletins(const std::filesystem::path& root,
                                              const std::vector<std::string>& names) {
    if (names.empty()) return {};
    auto have = parseState(readFileIfExists(root / kBulletinStateFile).value_or(""));
    std::vector<std::string> out;
    for (const auto& n : names)
        if (!have.count(n)) out.push_back(n);
    return out;
}

std::string bulletinProblem(const std::string& text) {
    if (text.empty()) return "empty";
    if (text.size() > kMaxBulletinSize)
        return "larger than " + std::to_string(kMaxBulletinSize) + " bytes";
    if (text.find('\0') != std::string::npos) return "not a message (NUL bytes)";
    // A header field first: a name of printable characters other than ':' and a colon.
    auto colon = text.find(':');
    auto eol = text.find('\n');
    bool field = colon != std::string::npos && colon > 0 && colon < eol &&
                 std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon),
                             [](char c) { return c > ' ' && c < 127; });
    if (!field) return "not a message (it does not start with a header field)";
    return {};
}

BulletinFile readBulletin(const std::filesystem::path& file) {
    BulletinFile b{file.filename().string(), std::nullopt, {}};
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        b.problem = std::string("cannot read: ") + std::strerror(errno);
        return b;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        b.problem = "not a regular file";
        return b;
    }
    if (static_cast<std::uint64_t>(st.st_size) > kMaxBulletinSize) {
        ::close(fd);  // not read at all: the bound is what keeps a login fast
        b.problem = "larger than " + std::to_string(kMaxBulletinSize) + " bytes";
        return b;
    }
    std::string text;
    try {
        text = readAllFrom(fd, file.string());
    } catch (const std::exception& e) {
        ::close(fd);
        b.problem = std::string("cannot read: ") + e.what();
        return b;
    }
    ::close(fd);
    b.problem = bulletinProblem(text);
    if (b.problem.empty()) b.text = std::move(text);
    return b;
}

BulletinReport deliverBulletins(const std::filesystem::path& root,
                                const std::vector<BulletinFile>& bulletins, QuotaAccount* quota,
                                std::int64_t now) {
    BulletinReport report;
    LockedState state(root);
    for (const auto& b : bulletins) {
        if (!b.text) continue;
        if (state.has(b.name)) {
            report.alreadyDelivered.push_back(b.name);
            continue;
        }
        std::string text = *b.text;
        if (!hasHeader(text, "Date")) text = "Date: " + rfc5322Date(now) + "\n" + text;
        auto size = static_cast<std::int64_t>(text.size());
        if (quota && !quota->mayAdd(size, 1)) {
            report.overQuota.push_back(b.name);
            continue;
        }
        deliverToInbox(root, text, "bulletin");
        if (quota) quota->record(size, 1);
        state.record(b.name);
        report.delivered.push_back(b.name);
    }
    return report;
}

}  // namespace maildex::index
