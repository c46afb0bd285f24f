#pragma once
// A message too large to read into memory for a FETCH: its bytes go to the client from
// the file in pieces as the client reads them (LiteralStream), and only what has to be
// parsed is looked at whole.
//
// IMAP counts octets with CRLF line ends; Maildir files end lines with LF (Maildex stores
// APPENDed mail that way too). So there are three ways of reading, cheapest first:
// - the whole message, or its text after the header: the file itself, each bare LF sent
//   as CRLF on the way out; where these start is known without reading the message;
// - the header alone (ENVELOPE, HEADER, HEADER.FIELDS): read up to its empty line;
// - anything inside the MIME structure (parts, BODYSTRUCTURE): the structure parser needs
//   the CRLF text in one piece. A file without bare LFs is mapped as it is; any other gets
//   a CRLF copy in an unnamed file in the folder's tmp/ (gone when closed, even after a
//   crash), which is mapped. Mapped pages belong to the page cache, not to the process,
//   and are given back after each use (releasePages), so a 50 MB attachment costs the
//   server no 50 MB of its own memory.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/mime/structure.h"

namespace maildex::core {

// A file descriptor shared by a message and the streams that read from it.
class OpenFile {
  public:
    explicit OpenFile(int fd) : fd_(fd) {}
    ~OpenFile();
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

// The bytes of one literal, read from a file a piece at a time: `length` bytes of the
// file's text from `offset`, after leaving out the first `skip` of them, with each bare LF
// made CRLF when `toCrlf` (then `skip` and `length` count converted bytes), and each NUL
// sent as 0x80 (a literal carries no NUL: RFC 3501 section 9, CHAR8).
class LiteralStream {
  public:
    LiteralStream(std::shared_ptr<const OpenFile> file, std::uint64_t offset, std::uint64_t length,
                  bool toCrlf, std::uint64_t skip = 0);

    std::uint64_t remaining() const { return remaining_; }
    // Appends up to `max` bytes of the literal to `out` (fewer only at its end). False when
    // the file ended (or failed) before the literal did: the literal cannot be completed.
    bool read(std::string& out, std::size_t max);

  private:
    std::shared_ptr<const OpenFile> file_;
    std::uint64_t offset_;  // the next byte of the file to read into buf_
    std::uint64_t remaining_;
    std::uint64_t skip_;
    bool toCrlf_;
    bool afterCr_ = false;    // the last byte taken was CR (a following LF is not bare)
    bool pendingLf_ = false;  // a bare LF's CR was sent, its LF not yet
    std::string buf_;         // read ahead of offset_ - (buf_.size() - bufPos_)
    std::size_t bufPos_ = 0;
};

class LargeMessage {
  public:
    // `size`: bytes on disk; `vsize`: bytes with CRLF line ends (RFC822.SIZE). Opens the
    // file; throws index::Error(NotFound) when it is gone.
    LargeMessage(const std::filesystem::path& path, std::uint64_t size, std::uint64_t vsize);
    ~LargeMessage();
    LargeMessage(const LargeMessage&) = delete;
    LargeMessage& operator=(const LargeMessage&) = delete;

    std::uint64_t vsize() const { return vsize_; }

    // The header with CRLF line ends, including the empty line that ends it.
    const std::string& header();
    // `length` bytes of the message from `origin` (CRLF octets), from the file. `textOnly`:
    // counted from the end of the header (BODY[TEXT]).
    LiteralStream stream(std::uint64_t origin, std::uint64_t length, bool textOnly = false);

    // The whole CRLF text, for the structure parser and the sections inside it. Valid
    // until the message is destroyed; call releasePages() after using it.
    std::string_view crlfText();
    const mime::Part& structure();
    // `length` bytes of crlfText() from `offset`, from its file.
    LiteralStream streamCrlfText(std::uint64_t offset, std::uint64_t length);
    // Gives the mapped pages back to the page cache (the mapping stays usable).
    void releasePages();

  private:
    void readHeader();
    void makeCrlfText();

    std::filesystem::path path_;
    std::shared_ptr<const OpenFile> file_;
    std::uint64_t size_;
    std::uint64_t vsize_;
    std::optional<std::string> header_;
    std::uint64_t headerFileLength_ = 0;  // the header's bytes in the file
    // The CRLF text: the file itself or its copy, mapped.
    std::shared_ptr<const OpenFile> crlfFile_;
    const char* mapped_ = nullptr;
    std::size_t mappedLength_ = 0;
    std::optional<mime::Part> structure_;
};

}  // namespace maildex::core
