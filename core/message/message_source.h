#pragma once
// A message's text as IMAP counts it: lines end in CRLF. Maildir files normally use LF;
// every bare LF becomes CRLF, so sizes and offsets agree with RFC822.SIZE.

#include <filesystem>
#include <string>
#include <string_view>

namespace maildex::core {

// Reads the file; throws index::Error(NotFound) when it is gone.
std::string loadMessageCrlf(const std::filesystem::path& path);
// Only the header, up to and including the empty line that ends it (the whole file when
// there is none), with CRLF line ends: what SORT and THREAD keys are made from, without
// reading bodies.
std::string loadHeaderCrlf(const std::filesystem::path& path);
// The same, and how many bytes of the file the header took (where the body starts).
struct LoadedHeader {
    std::string crlf;
    std::size_t fileLength = 0;
};
LoadedHeader loadHeader(const std::filesystem::path& path);
// `text` with every bare LF made CRLF.
std::string toCrlf(std::string_view text);
// The length of the header including the empty line that ends it (all of `msg` when
// there is no empty line).
std::size_t headerLength(std::string_view msg);

}  // namespace maildex::core
