#pragma once
// Small file-system helpers shared by the index: directory listing without the
// std::filesystem overhead, mtimes in nanoseconds, and whole-file reads and atomic writes
// through the folder's tmp/ directory.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

// Entry names of a directory, without "." and ".." and without names starting with '.'
// (no Maildir message name starts with one). Throws Error(Io) unless the directory
// exists; a missing directory gives an empty list when `missingOk`.
std::vector<std::string> listDirectory(const std::filesystem::path& dir, bool missingOk = false);

// The mtime in nanoseconds, or 0 when the path does not exist.
std::int64_t mtimeNs(const std::filesystem::path& path);

// A directory mtime a full scan may record: one old enough (2 s) that no later change
// can share its tick; 0 (which forces the next scan) otherwise. See folder_scan.cpp.
std::int64_t trustworthyMtime(std::int64_t mtimeNs);

std::optional<std::string> readFileIfExists(const std::filesystem::path& path);

// A message file's size on disk and with CRLF line ends (RFC822.SIZE), read a piece at a
// time (a 50 MB message is not held in memory to be counted); nullopt when it is gone.
struct FileSizes {
    std::uint64_t size = 0;
    std::uint64_t vsize = 0;
};
std::optional<FileSizes> measureFile(const std::filesystem::path& path);

// Writes `data` to <folderDir>/tmp/<unique> (fsync) and renames it to <folderDir>/<name>.
void writeFileAtomically(const std::filesystem::path& folderDir, std::string_view name,
                         std::string_view data);

// Writes all of `data` to fd; throws Error(Io) naming `path`.
void writeAll(int fd, std::string_view data, const std::string& path);

// A name for a scratch file in tmp/ that no other process or thread uses.
std::string uniqueTmpName(std::string_view purpose);

}  // namespace maildex::index
