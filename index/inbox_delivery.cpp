// Delivery of the server's own messages into INBOX (inbox_delivery.h).

#include "index/inbox_delivery.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "index/error.h"
#include "index/file_modes.h"
#include "index/file_util.h"
#include "index/maildir_name.h"

namespace maildex::index {

std::string rfc5322Date(std::int64_t now) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(now);
    struct tm tm;
    ::localtime_r(&t, &tm);
    long offset = tm.tm_gmtoff / 60;
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    char out[64];
    std::snprintf(out, sizeof out, "%s, %02d %s %d %02d:%02d:%02d %c%02ld%02ld", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec, sign, offset / 60, offset % 60);
    return out;
}

std::uint64_t deliverToInbox(const std::filesystem::path& root, std::string_view text,
                             std::string_view purpose) {
    auto tmp = root / "tmp" / uniqueTmpName(purpose);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, newFileMode());
    if (fd < 0) throwIo("Cannot create", tmp.string(), errno);
    struct stat st;
    try {
        writeAll(fd, text, tmp.string());
        if (::fsync(fd) != 0 || ::fstat(fd, &st) != 0) throwIo("Cannot write", tmp.string(), errno);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    // The name is unique by the tmp file's device and inode and the microsecond, as
    // Maildir's rules ask; rename() into new/ makes the message appear whole or not at all.
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto usec = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    auto name =
        newMessageBase(usec / 1'000'000, usec % 1'000'000, st.st_dev, st.st_ino, text.size());
    auto target = root / "new" / name;
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throwIo("Cannot deliver", target.string(), err);
    }
    return text.size();
}

}  // namespace maildex::index
