#pragma once
// A message on its way in (APPEND), written to a folder's tmp/ as its bytes arrive, so a
// client's 50 MB message never sits in the server's memory. It is written in the form
// Folder::append stores messages (CRLF line ends become LF, as Courier stores APPENDed
// mail), with its size either way counted on the way; Folder::append then moves the file
// into place (NewMessage::staged). A staged message dropped before that takes its file
// with it; one left by a crash is an ordinary tmp/ leftover (Maildir's 36-hour rule).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace maildex::index {

class StagedMessage {
  public:
    // Creates the file in <folderDir>/tmp/ (mode 0600). Throws Error(Io).
    explicit StagedMessage(const std::filesystem::path& folderDir);
    ~StagedMessage();
    StagedMessage(const StagedMessage&) = delete;
    StagedMessage& operator=(const StagedMessage&) = delete;

    // Appends message bytes. Throws Error(Io) (a full disk, say).
    void write(std::string_view bytes);
    // Every byte has arrived: writes what is buffered and syncs the file to disk.
    void finish();

    const std::filesystem::path& path() const { return path_; }
    int fd() const { return fd_; }
    // Bytes on disk, and with CRLF line ends (RFC822.SIZE), once finished.
    std::uint64_t size() const { return size_; }
    std::uint64_t vsize() const { return size_ + bareLfs_; }
    bool finished() const { return finished_; }
    // The file was moved into place: it is not this object's to remove any more.
    void release() { released_ = true; }

  private:
    void flushBuffer();

    std::filesystem::path path_;
    int fd_ = -1;
    std::string buffer_;      // converted bytes not yet written
    bool pendingCr_ = false;  // a CR ended the last piece: dropped if an LF follows
    char last_ = 0;           // the last byte stored
    std::uint64_t size_ = 0;
    std::uint64_t bareLfs_ = 0;
    bool finished_ = false;
    bool released_ = false;
};

}  // namespace maildex::index
