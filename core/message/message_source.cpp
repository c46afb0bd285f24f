#include "core/message/message_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "index/error.h"

namespace maildex::core {

std::string toCrlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 30);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
        out += text[i];
    }
    return out;
}

std::string loadMessageCrlf(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throw index::Error(index::ErrorKind::NotFound, "Message was expunged");
        index::throwIo("Cannot read", path.string(), errno);
    }
    struct stat st;
    std::string raw;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) raw.reserve(static_cast<size_t>(st.st_size));
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            index::throwIo("Cannot read", path.string(), err);
        }
        if (n == 0) break;
        raw.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return toCrlf(raw);
}

std::size_t headerLength(std::string_view msg) {
    if (msg.starts_with("\r\n")) return 2;
    auto pos = msg.find("\r\n\r\n");
    return pos == std::string_view::npos ? msg.size() : pos + 4;
}

}  // namespace maildex::core
