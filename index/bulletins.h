#pragma once
// Bulletins: messages the administrator drops into a directory (MAILDEX_BULLETIN_DIR), each
// delivered once into every user's INBOX, at the user's next login or at once by
// `maildexctl bulletin` (as DMail's bulletin_path and Courier's own "system messages").
//
// - A bulletin is a regular file in the directory whose name does not start with "." (so
//   an administrator writes ".draft" and renames it, and a half-written file is never
//   sent). Its name is its identity: a bulletin is delivered to a Maildir once under that
//   name, whatever its contents later become; a new bulletin needs a new name.
// - It must be a message file (header lines, a blank line, the body), not empty, at most
//   kMaxBulletinSize bytes, without NUL bytes, starting with a header field. One that is
//   not (or cannot be read) is skipped and not recorded, so it goes out once it is fixed.
//   Without a Date: header it gets one saying when it was delivered.
// - What a Maildir has received is recorded in the Maildir, not in the index (a cache that
//   a rebuild throws away): the file "maildexbulletins" in the Maildir root, one name a
//   line, appended in one write() after the message is in new/ and fsync'd. A crash
//   between the two can at worst deliver a bulletin twice, never lose it.
// - Two logins of one user at once: the delivering is done under an exclusive flock on
//   that file, which is never replaced (appended to, not renamed over), and the list is
//   read again under the lock, so a bulletin goes out exactly once. The cheap look
//   (pendingBulletins: one readdir of the directory, one read of the file) takes no lock.
// - A bulletin counts against the quota like a delivery: one that does not fit is left
//   for a later login (not recorded), since a full mailbox is the user's to empty.
//
// Everything runs as the calling thread's identity: under the user's, the directory and
// its files must be readable by every mail user, and the messages are the user's files.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace maildex::index {

class QuotaAccount;

inline constexpr const char* kBulletinStateFile = "maildexbulletins";
inline constexpr std::uint64_t kMaxBulletinSize = 1024 * 1024;

// The bulletins' names in `dir` (sorted, so they arrive in the order of their names);
// empty when the directory does not exist. Throws Error(Io) when it cannot be read.
std::vector<std::string> listBulletins(const std::filesystem::path& dir);

// The names in `names` the Maildir has not received yet (no lock; see above).
std::vector<std::string> undeliveredBulletins(const std::filesystem::path& maildirRoot,
                                              const std::vector<std::string>& names);

// A bulletin file read and checked: its text, or why it is skipped.
struct BulletinFile {
    std::string name;
    std::optional<std::string> text;
    std::string problem;  // when !text: "empty", "larger than ...", "cannot read: ..."
};
BulletinFile readBulletin(const std::filesystem::path& file);
// The checks readBulletin makes on a file's contents: empty when it is a message.
std::string bulletinProblem(const std::string& text);

struct BulletinReport {
    std::vector<std::string> delivered;
    std::vector<std::string> alreadyDelivered;  // by another session meanwhile, or before
    std::vector<std::string> overQuota;         // left for later
};

// Delivers each of `bulletins` (read and checked) the Maildir has not received, under the
// lock, recording each one. `quota` may be null (no quota check). Throws Error(Io) when
// the Maildir cannot be written; what was delivered before that is recorded.
BulletinReport deliverBulletins(const std::filesystem::path& maildirRoot,
                                const std::vector<BulletinFile>& bulletins, QuotaAccount* quota,
                                std::int64_t now);

}  // namespace maildex::index
