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

// A name for a scratch file in tmp/ that no other process or thread uses:
// "<sec>.M<usec>P<pid>T<start>_<purpose>_<n>.<host>", where <start> is when this process
// started (clock ticks since boot, /proc/<pid>/stat): with the pid it names the process for
// good, so a later look can tell whether the writer still runs (tmpFileOwner). Without
// /proc the "T<start>" part is left out and the name is nobody's (only its age counts).
std::string uniqueTmpName(std::string_view purpose);

// The process that named a tmp/ entry with uniqueTmpName on this host; nullopt for any
// other name (another program's, another host's, or one without a start time).
struct TmpFileOwner {
    long pid = 0;
    std::uint64_t startTicks = 0;
    bool operator==(const TmpFileOwner&) const = default;
};
std::optional<TmpFileOwner> tmpFileOwner(std::string_view name);
// This process, as tmpFileOwner names it; nullopt without /proc.
std::optional<TmpFileOwner> thisTmpFileOwner();
// False only when that process is known to be gone (no such pid, or the pid now belongs
// to a process that started at another time); true when it runs or cannot be told.
bool tmpFileOwnerRuns(const TmpFileOwner& owner);

// The Maildir rules: a file may stay in tmp/ this long, then anyone may delete it.
constexpr std::int64_t kTmpMaxAgeSeconds = 36 * 3600;

// Cleans a folder's tmp/ (`now` in Unix seconds; tests pass a later one):
// - what a Maildex process of this host that no longer runs left there (a message it was
//   writing, a mirror file it was replacing, a deleted folder it had not removed yet:
//   tmpFileOwner names it), whatever its age; never a running process's entry;
// - any other file whose ctime is more than kTmpMaxAgeSeconds before `now` (Courier's
//   rule: maildirpurgetmp), directories excepted.
// Never fails (an entry that cannot be removed stays); returns how many entries went.
std::size_t cleanTmpDirectory(const std::filesystem::path& folderDir, std::int64_t now);

}  // namespace maildex::index
