#include "index/staged_message.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "index/error.h"
#include "index/file_modes.h"
#include "index/file_util.h"

namespace maildex::index {

namespace {
// Written in pieces of this size: few system calls, little memory per APPEND in flight.
constexpr std::size_t kBufferSize = 64 * 1024;
}  // namespace

StagedMessage::StagedMessage(const std::filesystem::path& folderDir)
    : path_(folderDir / "tmp" / uniqueTmpName("append")) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, newFileMode());
    if (fd_ < 0) throwIo("Cannot create", path_.string(), errno);
    buffer_.reserve(kBufferSize);
}

StagedMessage::~StagedMessage() {
    if (fd_ >= 0) ::close(fd_);
    if (!released_) ::unlink(path_.c_str());
}

void StagedMessage::write(std::string_view bytes) {
    // CRLF becomes LF, exactly as Folder::append stores a message given in memory: a CR
    // is dropped when an LF follows, which may be in the next piece.
    for (char c : bytes) {
        if (pendingCr_) {
            pendingCr_ = false;
            if (c != '\n') {
                buffer_.push_back('\r');
                last_ = '\r';
            }
        }
        if (c == '\r') {
            pendingCr_ = true;
            continue;
        }
        if (c == '\n' && last_ != '\r') ++bareLfs_;
        buffer_.push_back(c);
        last_ = c;
        if (buffer_.size() >= kBufferSize) flushBuffer();
    }
}

void StagedMessage::flushBuffer() {
    writeAll(fd_, buffer_, path_.string());
    size_ += buffer_.size();
    buffer_.clear();
}

void StagedMessage::finish() {
    if (pendingCr_) {
        pendingCr_ = false;
        buffer_.push_back('\r');
        last_ = '\r';
    }
    flushBuffer();
    if (::fsync(fd_) != 0) throwIo("Cannot sync", path_.string(), errno);
    finished_ = true;
}

}  // namespace maildex::index
