#include "core/message/large_message.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/message/message_source.h"
#include "index/error.h"
#include "index/file_util.h"

namespace maildex::core {

namespace {

// Reads of this size: large enough that a 50 MB message is a few hundred system calls,
// small enough to be nothing beside the socket buffers.
constexpr std::size_t kReadChunk = 128 * 1024;

// pread until `len` bytes or the end of the file; the count read, or -1.
ssize_t readAt(int fd, char* buf, std::size_t len, std::uint64_t offset) {
    std::size_t got = 0;
    while (got < len) {
        ssize_t n = ::pread(fd, buf + got, len - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(got);
}

// An unnamed file for the CRLF copy: in the folder's tmp/ (same file system as the mail,
// and Maildir's place for scratch files), else in the system's temporary directory.
int openScratch(const std::filesystem::path& messagePath) {
    auto folderTmp = messagePath.parent_path().parent_path() / "tmp";
    for (const auto& dir : {folderTmp, std::filesystem::temp_directory_path()}) {
        int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0) return fd;
    }
    index::throwIo("Cannot make a scratch file in", folderTmp.string(), errno);
}

}  // namespace

OpenFile::~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
}

LiteralStream::LiteralStream(std::shared_ptr<const OpenFile> file, std::uint64_t offset,
                             std::uint64_t length, bool toCrlf, std::uint64_t skip)
    : file_(std::move(file)), offset_(offset), remaining_(length), skip_(skip), toCrlf_(toCrlf) {}

bool LiteralStream::read(std::string& out, std::size_t max) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(max, remaining_));
    // Takes `bytes` of the converted text: the first ones skipped, the rest sent.
    auto take = [&](std::string_view bytes) {
        std::size_t skipped =
            static_cast<std::size_t>(std::min<std::uint64_t>(skip_, bytes.size()));
        skip_ -= skipped;
        bytes.remove_prefix(skipped);
        std::size_t n = std::min(bytes.size(), want);
        std::size_t at = out.size();
        out.append(bytes.substr(0, n));
        if (std::memchr(bytes.data(), '\0', n))
            std::replace(out.begin() + static_cast<std::ptrdiff_t>(at), out.end(), '\0', '\x80');
        want -= n;
        remaining_ -= n;
        return skipped + n;
    };
    while (want > 0) {
        if (pendingLf_) {
            if (take("\n") == 0) break;
            pendingLf_ = false;
            continue;
        }
        if (bufPos_ == buf_.size()) {
            buf_.resize(kReadChunk);
            ssize_t n = readAt(file_->fd(), buf_.data(), buf_.size(), offset_);
            if (n <= 0) {
                buf_.clear();
                bufPos_ = 0;
                return false;
            }
            buf_.resize(static_cast<std::size_t>(n));
            bufPos_ = 0;
            offset_ += static_cast<std::uint64_t>(n);
        }
        std::string_view avail(buf_.data() + bufPos_, buf_.size() - bufPos_);
        if (toCrlf_ && avail.front() == '\n') {
            // A bare LF goes out as CR, then LF (which waits if the literal's piece ends).
            bool bare = !afterCr_;
            ++bufPos_;
            afterCr_ = false;
            if (bare) {
                take("\r");
                pendingLf_ = true;
            } else {
                take("\n");
            }
            continue;
        }
        std::size_t run = toCrlf_ ? std::min(avail.find('\n'), avail.size()) : avail.size();
        std::size_t used = take(avail.substr(0, run));
        if (used > 0) afterCr_ = avail[used - 1] == '\r';
        bufPos_ += used;
    }
    if (remaining_ == 0) std::string().swap(buf_);  // done: keep no buffer
    return true;
}

LargeMessage::LargeMessage(const std::filesystem::path& path, std::uint64_t size,
                           std::uint64_t vsize)
    : path_(path), size_(size), vsize_(vsize) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throw index::Error(index::ErrorKind::NotFound, "Message was expunged");
        index::throwIo("Cannot read", path.string(), errno);
    }
    file_ = std::make_shared<OpenFile>(fd);
}

LargeMessage::~LargeMessage() {
    if (mapped_) ::munmap(const_cast<char*>(mapped_), mappedLength_);
}

void LargeMessage::readHeader() {
    if (header_) return;
    auto loaded = loadHeader(path_);
    header_ = std::move(loaded.crlf);
    headerFileLength_ = loaded.fileLength;
}

const std::string& LargeMessage::header() {
    readHeader();
    return *header_;
}

LiteralStream LargeMessage::stream(std::uint64_t origin, std::uint64_t length, bool textOnly) {
    std::uint64_t fileStart = 0;
    if (textOnly) {
        // The body starts on a line of its own in both texts, so no LF is split there.
        readHeader();
        fileStart = headerFileLength_;
    }
    bool hasBareLf = vsize_ != size_;
    return LiteralStream(file_, hasBareLf ? fileStart : fileStart + origin, length, hasBareLf,
                         hasBareLf ? origin : 0);
}

void LargeMessage::makeCrlfText() {
    if (mapped_) return;
    std::shared_ptr<const OpenFile> source = file_;
    if (vsize_ != size_) {
        // Bare LFs: write the CRLF text to a scratch file, a piece at a time.
        auto copy = std::make_shared<OpenFile>(openScratch(path_));
        LiteralStream converted(file_, 0, vsize_, true);
        std::string piece;
        while (converted.remaining() > 0) {
            piece.clear();
            if (!converted.read(piece, kReadChunk))
                throw index::Error(index::ErrorKind::Io,
                                   "Message file " + path_.string() + " is shorter than indexed");
            index::writeAll(copy->fd(), piece, "a scratch copy of " + path_.string());
        }
        source = std::move(copy);
    }
    std::size_t length = static_cast<std::size_t>(vsize_);
    void* p = length ? ::mmap(nullptr, length, PROT_READ, MAP_SHARED, source->fd(), 0) : nullptr;
    if (p == MAP_FAILED) index::throwIo("Cannot map", path_.string(), errno);
    mapped_ = static_cast<const char*>(p);
    mappedLength_ = length;
    crlfFile_ = std::move(source);
}

std::string_view LargeMessage::crlfText() {
    makeCrlfText();
    return {mapped_ ? mapped_ : "", mappedLength_};
}

const mime::Part& LargeMessage::structure() {
    if (!structure_) structure_ = mime::parseStructure(crlfText());
    return *structure_;
}

LiteralStream LargeMessage::streamCrlfText(std::uint64_t offset, std::uint64_t length) {
    makeCrlfText();
    return LiteralStream(crlfFile_, offset, length, false);
}

void LargeMessage::releasePages() {
    if (mapped_) ::madvise(const_cast<char*>(mapped_), mappedLength_, MADV_DONTNEED);
}

}  // namespace maildex::core
