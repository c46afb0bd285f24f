#include "index/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "base/log.h"
#include "index/error.h"

namespace maildex::index {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
    throw Error(ErrorKind::Io, what + " " + path.string() + ": " + std::strerror(err));
}

std::string octal(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03o", mode);
    return buf;
}

// Takes group and other permissions off an existing file; nothing if it is missing.
void tighten(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    // Missing, a symbolic link (not ours to change), or unreadable to us (then SQLite
    // will say so itself).
    if (fd < 0) return;
    struct stat st {};
    int err = 0;
    if (::fstat(fd, &st) != 0)
        err = errno;
    else if (S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
             ::fchmod(fd, st.st_mode & 07700) != 0)
        err = errno;
    ::close(fd);
    // Another owner's file (a group-writable index shared on purpose) cannot be changed
    // here; it still works, so say so rather than refuse to serve it.
    if (err == EPERM)
        log::warn("index file " + file.string() + " is readable by others (mode " +
                  octal(st.st_mode & 0777) + ") and not ours to change");
    else if (err != 0)
        fail("Cannot make index file private", file, err);
}

}  // namespace

void makeIndexFilesPrivate(const std::filesystem::path& database) {
    int fd = ::open(database.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);  // new and empty: SQLite makes an empty file a database
    } else if (errno != EEXIST) {
        fail("Cannot create index", database, errno);
    }
    for (const char* suffix : {"", "-wal", "-shm"})
        tighten(database.string() + suffix);
}

void createPrivateDirectory(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return;
    if (dir.has_parent_path() && !dir.parent_path().empty())
        std::filesystem::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        fail("Cannot create index directory", dir, errno);
}

}  // namespace maildex::index
