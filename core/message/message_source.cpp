#include "core/message/message_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "index/error.h"

namespace maildex::core {

std::string toCrlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 30);
    // Whole lines at a time: this runs over every byte SEARCH TEXT and FETCH read.
    std::size_t from = 0;
    while (from < text.size()) {
        auto nl = text.find('\n', from);
        if (nl == std::string_view::npos) {
            out.append(text.substr(from));
            break;
        }
        out.append(text.substr(from, nl - from));
        if (nl == 0 || text[nl - 1] != '\r') out += '\r';
        out += '\n';
        from = nl + 1;
    }
    return out;
}

namespace {

int openMessage(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throw index::Error(index::ErrorKind::NotFound, "Message was expunged");
        index::throwIo("Cannot read", path.string(), errno);
    }
    return fd;
}

// Appends one read's worth to `raw`; false at the end of the file.
bool readMore(int fd, const std::filesystem::path& path, std::string& raw, size_t chunk) {
    size_t old = raw.size();
    raw.resize(old + chunk);
    for (;;) {
        ssize_t n = ::read(fd, raw.data() + old, chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            index::throwIo("Cannot read", path.string(), err);
        }
        raw.resize(old + static_cast<size_t>(n));
        return n > 0;
    }
}

// The end of the empty line that ends the header in `raw` (LF or CRLF line ends),
// searching from about `from`.
std::size_t findHeaderEnd(std::string_view raw, std::size_t from) {
    if (raw.starts_with("\n")) return 1;
    if (raw.starts_with("\r\n")) return 2;
    for (std::size_t i = from < 2 ? 0 : from - 2; i < raw.size(); ++i) {
        if (raw[i] != '\n') continue;
        if (i + 1 < raw.size() && raw[i + 1] == '\n') return i + 2;
        if (i + 2 < raw.size() && raw[i + 1] == '\r' && raw[i + 2] == '\n') return i + 3;
    }
    return std::string_view::npos;
}

}  // namespace

std::string loadMessageCrlf(const std::filesystem::path& path) {
    int fd = openMessage(path);
    struct stat st;
    std::string raw;
    // Reads of the file's size (one more byte to see the end): a bigger buffer would be
    // zero-filled for nothing, for every message SEARCH reads.
    std::size_t chunk =
        ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 65536;
    while (readMore(fd, path, raw, chunk)) {
    }
    ::close(fd);
    return toCrlf(raw);
}

std::string loadHeaderCrlf(const std::filesystem::path& path) {
    return loadHeader(path).crlf;
}

LoadedHeader loadHeader(const std::filesystem::path& path) {
    int fd = openMessage(path);
    std::string raw;
    std::size_t end = std::string_view::npos;
    std::size_t searched = 0;
    while (readMore(fd, path, raw, raw.empty() ? 8192 : raw.size())) {
        end = findHeaderEnd(raw, searched);
        if (end != std::string_view::npos) break;
        searched = raw.size();
    }
    ::close(fd);
    LoadedHeader h;
    h.fileLength = std::min(end, raw.size());
    h.crlf = toCrlf(std::string_view(raw).substr(0, end));
    h.crlf.resize(headerLength(h.crlf));
    return h;
}

std::size_t headerLength(std::string_view msg) {
    if (msg.starts_with("\r\n")) return 2;
    auto pos = msg.find("\r\n\r\n");
    return pos == std::string_view::npos ? msg.size() : pos + 4;
}

}  // namespace maildex::core
