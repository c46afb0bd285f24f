#include "index/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "index/error.h"
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

std::optional<std::string> readFileIfExists(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throwIo("Cannot read", path.string(), errno);
    }
    std::string data;
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
        data.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return data;
}

std::optional<FileSizes> measureFile(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throwIo("Cannot read", path.string(), errno);
    }
    FileSizes sizes;
    char buf[65536];
    bool afterCr = false;  // a CR ended the previous read: an LF starting this one is not bare
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            throwIo("Cannot read", path.string(), err);
        }
        if (n == 0) break;
        std::string_view piece(buf, static_cast<size_t>(n));
        for (auto nl = piece.find('\n'); nl != std::string_view::npos;
             nl = piece.find('\n', nl + 1)) {
            bool bare = nl == 0 ? !afterCr : piece[nl - 1] != '\r';
            if (bare) ++sizes.vsize;
        }
        afterCr = piece.back() == '\r';
        sizes.size += piece.size();
    }
    ::close(fd);
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

std::string uniqueTmpName(std::string_view purpose) {
    static std::atomic<std::uint64_t> counter{0};
    struct timeval tv;
    gettimeofday(&tv, nullptr);
    return std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" +
           std::to_string(getpid()) + "_" + std::string(purpose) + "_" + std::to_string(++counter) +
           "." + maildirHostname();
}

void writeFileAtomically(const std::filesystem::path& folderDir, std::string_view name,
                         std::string_view data) {
    auto tmp = folderDir / "tmp" / uniqueTmpName("maildex");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
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
