#pragma once
// `maildexctl check`: compares a Maildir's index, its message files and its
// Courier-format mirror (courierimapuiddb, courierimapkeywords/, courierimapsubscribed,
// maildexsettings) without changing anything, and says each difference in words a
// person understands. `--repair` then brings them in line (repairMaildir).
//
// Which side is right: the files are the truth for which messages exist and their flags;
// a healthy index is the truth for UIDs, keywords, subscriptions and settings (it is what
// clients were told; the mirror is written from it); a damaged index is rebuilt from the
// mirror. The next UID never goes backwards on either side.
//
// A server may be working on the Maildir while check runs: a message delivered or
// renamed between check's listing and its reading of the index would look like a
// difference. So a folder that shows differences is compared a second time a moment
// later, and only differences seen both times are reported.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace maildex::index {

enum class DifferenceKind {
    IndexDamaged,         // the database fails SQLite's integrity check or cannot be read
    NoIndex,              // the Maildir has never been indexed
    FolderNotIndexed,     // a folder directory the index has no row for
    FolderGone,           // an index row for a folder whose directory is gone
    FileNotIndexed,       // a message file without a UID in the index
    IndexedFileGone,      // a UID in the index whose file is gone
    FlagsDiffer,          // the file name's flags are not the index's
    UidNextTooLow,        // the index's next UID is not above its highest UID
    UidDbMissing,         // no courierimapuiddb
    UidDbDamaged,         // unusable header or damaged lines
    UidDbUidValidity,     // another UIDVALIDITY than the index's
    UidDbNextUid,         // another next UID than the index's
    UidDbEntry,           // a UID missing from courierimapuiddb or different there
    KeywordsDamaged,      // damaged lines in courierimapkeywords/
    KeywordsDiffer,       // a message's keywords differ between index and mirror
    SubscriptionsDiffer,  // courierimapsubscribed and the index disagree
    SettingsDiffer,       // maildexsettings and the index disagree
};

struct Difference {
    DifferenceKind kind;
    std::string folder;  // "" for INBOX and for Maildir-wide differences
    std::string text;    // a sentence, naming the file or UID
    bool operator==(const Difference&) const = default;
};

struct CheckOptions {
    std::filesystem::path maildir;
    std::filesystem::path indexDir;
    // Called after each folder: folders done, in all, messages in the folder.
    std::function<void(std::size_t, std::size_t, std::size_t)> progress;
};

struct CheckReport {
    std::size_t folders = 0;
    std::size_t messages = 0;
    std::vector<Difference> differences;
};

// Reads only (the index is opened read-only). Throws Error when the Maildir cannot be
// read at all.
CheckReport checkMaildir(const CheckOptions& options);

struct RepairReport {
    std::vector<std::string> actions;  // what was done, one sentence each
};

// Brings index, files and mirror in line for the differences `found` lists (see the
// top of this file for which side wins). Run checkMaildir again to confirm.
RepairReport repairMaildir(const CheckOptions& options, const CheckReport& found);

// What is wrong with the index database at `indexPath` (SQLite's quick check, the schema
// version), or nullopt when it is sound. Opens it read-only.
std::optional<std::string> indexDamage(const std::filesystem::path& indexPath);

// A damaged index file (and its -wal and -shm) renamed to "<name>.damaged-<unix time>",
// so a new one can be made; returns the new name of the main file.
std::filesystem::path moveDamagedIndexAside(const std::filesystem::path& indexPath);

}  // namespace maildex::index
