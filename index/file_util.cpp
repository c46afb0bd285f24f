#include "index/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "index/error.h"
#include "index/file_modes.h"
#include "index/maildir_name.h"

namespace maildex::index {

std::vector<std::string> listDirectory(const std::filesystem::path& dir, bool missingOk) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        if (missingOk && errno == ENOENT) return names;
        throwIo("Cannot list", dir.string(), errno);
    }
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        names.emplace_back(e->d_name);
    }
    ::closedir(d);
    return names;
}

std::int64_t mtimeNs(const std::filesystem::path& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return 0;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::int64_t trustworthyMtime(std::int64_t mtime) {
    constexpr std::int64_t kMtimeTrustNs = 2'000'000'000;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    std::int64_t now = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    return mtime != 0 && now - mtime >= kMtimeTrustNs ? mtime : 0;
}

namespace {

// Reads the file in pieces, handing each to `take`; false when there is no such file.
template <class Take>
bool readPieces(const std::filesystem::path& path, Take&& take) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return false;
        throwIo("Cannot read", path.string(), errno);
    }
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            throwIo("Cannot read", path.string(), err);
        }
        if (n == 0) break;
        take(std::string_view(buf, static_cast<size_t>(n)));
    }
    ::close(fd);
    return true;
}

}  // namespace

std::optional<std::string> readFileIfExists(const std::filesystem::path& path) {
    std::string data;
    if (!readPieces(path, [&](std::string_view piece) { data.append(piece); })) return std::nullopt;
    return data;
}

std::optional<FileSizes> measureFile(const std::filesystem::path& path) {
    FileSizes sizes;
    bool afterCr = false;  // a CR ended the previous read: an LF starting this one is not bare
    bool found = readPieces(path, [&](std::string_view piece) {
        for (auto nl = piece.find('\n'); nl != std::string_view::npos;
             nl = piece.find('\n', nl + 1)) {
            bool bare = nl == 0 ? !afterCr : piece[nl - 1] != '\r';
            if (bare) ++sizes.vsize;
        }
        afterCr = piece.back() == '\r';
        sizes.size += piece.size();
    });
    if (!found) return std::nullopt;
    sizes.vsize += sizes.size;
    return sizes;
}

void writeAll(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throwIo("Cannot write", path, errno);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

namespace {

// Field 22 of /proc/<pid>/stat, the process's start in clock ticks since boot; nullopt
// when it cannot be read, with `gone` set when that is because there is no such process.
std::optional<std::uint64_t> startTicksOf(long pid, bool& gone) {
    gone = false;
    char path[48];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        gone = errno == ENOENT || errno == ESRCH;
        return std::nullopt;
    }
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    int err = errno;
    ::close(fd);
    if (n <= 0) {
        gone = n == 0 || err == ESRCH;  // it exited between the open and the read
        return std::nullopt;
    }
    buf[n] = 0;
    // Field 2 is the command name in parentheses, which may hold spaces and parentheses
    // itself: count the fields after the last ')'.
    const char* p = std::strrchr(buf, ')');
    if (!p) return std::nullopt;
    ++p;
    for (int field = 3; *p; ++field) {
        while (*p == ' ')
            ++p;
        if (field == 22) {
            char* end = nullptr;
            auto ticks = std::strtoull(p, &end, 10);
            if (end == p) return std::nullopt;
            return ticks;
        }
        while (*p && *p != ' ')
            ++p;
    }
    return std::nullopt;
}

bool allDigits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::optional<TmpFileOwner> thisTmpFileOwner() {
    // Cached per pid: a forked child is another process.
    static std::atomic<long> cachedPid{0};
    static std::atomic<std::uint64_t> cachedTicks{0};
    long pid = static_cast<long>(::getpid());
    if (cachedPid.load(std::memory_order_acquire) != pid) {
        bool gone;
        auto ticks = startTicksOf(pid, gone);
        if (!ticks) return std::nullopt;
        cachedTicks.store(*ticks, std::memory_order_relaxed);
        cachedPid.store(pid, std::memory_order_release);
    }
    return TmpFileOwner{pid, cachedTicks.load(std::memory_order_relaxed)};
}

std::string uniqueTmpName(std::string_view purpose) {
    static std::atomic<std::uint64_t> counter{0};
    struct timeval tv;
    gettimeofday(&tv, nullptr);
    std::string process = std::to_string(getpid());
    if (auto self = thisTmpFileOwner()) process += "T" + std::to_string(self->startTicks);
    return std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" + process + "_" +
           std::string(purpose) + "_" + std::to_string(++counter) + "." + maildirHostname();
}

std::optional<TmpFileOwner> tmpFileOwner(std::string_view name) {
    // <sec>.M<usec>P<pid>T<start>_<purpose>_<n>.<host>
    const std::string suffix = "." + maildirHostname();
    if (!name.ends_with(suffix)) return std::nullopt;
    name.remove_suffix(suffix.size());
    size_t dot = name.find('.');
    if (dot == std::string_view::npos || !allDigits(name.substr(0, dot)) ||
        name.substr(dot + 1, 1) != "M")
        return std::nullopt;
    size_t p = name.find('P', dot + 2), t = name.find('T', dot + 2), us = name.find('_', dot + 2),
           last = name.rfind('_');
    if (p == std::string_view::npos || t == std::string_view::npos ||
        us == std::string_view::npos || !(p < t && t < us && us < last) ||
        !allDigits(name.substr(dot + 2, p - dot - 2)) ||
        !allDigits(name.substr(p + 1, t - p - 1)) || !allDigits(name.substr(t + 1, us - t - 1)) ||
        !allDigits(name.substr(last + 1)))
        return std::nullopt;
    TmpFileOwner owner;
    owner.pid = std::strtol(std::string(name.substr(p + 1, t - p - 1)).c_str(), nullptr, 10);
    owner.startTicks =
        std::strtoull(std::string(name.substr(t + 1, us - t - 1)).c_str(), nullptr, 10);
    if (owner.pid <= 0) return std::nullopt;
    return owner;
}

bool tmpFileOwnerRuns(const TmpFileOwner& owner) {
    bool gone;
    auto ticks = startTicksOf(owner.pid, gone);
    if (ticks) return *ticks == owner.startTicks;
    return !gone;
}

std::size_t cleanTmpDirectory(const std::filesystem::path& folderDir, std::int64_t now) {
    auto tmp = folderDir / "tmp";
    std::vector<std::string> names;
    if (DIR* d = ::opendir(tmp.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string_view name = e->d_name;
            if (name != "." && name != "..") names.emplace_back(name);
        }
        ::closedir(d);
    }
    auto self = thisTmpFileOwner();
    std::size_t removed = 0;
    for (const auto& name : names) {
        auto path = tmp / name;
        auto owner = tmpFileOwner(name);
        // Only with /proc for ourselves too: without it every pid would look gone.
        if (owner && self && *owner != *self && !tmpFileOwnerRuns(*owner)) {
            std::error_code ec;
            if (std::filesystem::remove_all(path, ec) > 0) ++removed;
            continue;
        }
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
        if (st.st_ctim.tv_sec < now - kTmpMaxAgeSeconds && ::unlink(path.c_str()) == 0) ++removed;
    }
    return removed;
}

void writeFileAtomically(const std::filesystem::path& folderDir, std::string_view name,
                         std::string_view data) {
    auto tmp = folderDir / "tmp" / uniqueTmpName("maildex");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, newFileMode());
    if (fd < 0) throwIo("Cannot create", tmp.string(), errno);
    try {
        writeAll(fd, data, tmp.string());
        if (::fsync(fd) != 0) throwIo("Cannot sync", tmp.string(), errno);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    auto target = folderDir / std::string(name);
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throwIo("Cannot replace", target.string(), err);
    }
}

}  // namespace maildex::index
