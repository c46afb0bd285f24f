#pragma once
// What the Courier and Dovecot migrations share (migrate_courier.h, migrate_dovecot.h):
// the report, the choice of folder name encoding, and the last step, which is the same
// for both: index every folder from the Courier-format files and check the index got
// what the files say.
//
// Why the Courier-format files are the path for both: they are Maildex's own durable
// record too (the index is a cache of them), Maildex's first scan of a folder already
// numbers it from them, and a migrated Maildir then carries exactly the files Courier
// needs to take it back. A Courier Maildir has them; a Dovecot migration writes them
// from dovecot-uidlist, dovecot-keywords and subscriptions first.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "index/flags.h"
#include "index/folder_plan.h"

namespace maildex::index {

// How folder directories spell names that are not ASCII.
enum class FolderNameEncoding {
    Auto,   // decide from the directory names (see chooseFolderNameEncoding)
    Utf8,   // ".Entwürfe": Courier 5
    Mutf7,  // ".Entw&APw-rfe": Dovecot, Courier 4; served without renaming
};

// Called after each folder: folders done, folders in all, messages in the folder.
using MigrationProgress = std::function<void(std::size_t, std::size_t, std::size_t)>;

struct MigrationOptions {
    std::filesystem::path maildir;
    std::filesystem::path indexDir;  // empty: the index lives in the Maildir root
    bool dryRun = false;             // read and plan only; write nothing
    FolderNameEncoding folderNames = FolderNameEncoding::Auto;
    MigrationProgress progress;
};

struct FolderMigration {
    std::string folder;             // directory name without the dot; "" = INBOX
    std::uint32_t uidValidity = 0;  // 0 in a dry run when a new one will be chosen
    std::uint32_t uidNext = 1;
    std::size_t messages = 0;
    std::size_t keptUids = 0;  // UIDs taken from the old server's files
    std::size_t numbered = 0;  // messages the old server never numbered
    std::size_t withKeywords = 0;
    std::size_t keywordNames = 0;
    std::vector<std::string> notes;  // per-folder remarks (duplicate UIDs, ...)
};

struct MigrationReport {
    std::filesystem::path maildir;
    bool dryRun = false;
    std::vector<FolderMigration> folders;
    // Damaged or doubtful files, each naming the file; the migration went on.
    std::vector<std::string> warnings;
    // The index did not come out as the files say: the Maildir is not safely migrated.
    std::vector<std::string> errors;
    std::string folderNames;  // how directory names are read, and why
    bool mutf7Names = false;  // ... namely as modified UTF-7
    std::string prefix = "INBOX.";
    char delimiter = '.';
    std::size_t subscriptions = 0;
    std::optional<std::string> quota;  // maildirsize's definition, when there is one
    std::size_t aclFiles = 0;          // courierimapacl / courierimaphieracl files seen
    bool replacedIndex = false;        // an index existed and was rebuilt in place

    std::size_t messageCount() const;
};

// Whether `name` (a folder's directory name without the dot) contains bytes above 0x7f,
// a valid modified-UTF-7 escape ("&APw-", "&-"), or an '&' that cannot start one.
struct NameEncodingSigns {
    bool eightBit = false;
    bool mutf7Escape = false;
    bool bareAmpersand = false;
};
NameEncodingSigns nameEncodingSigns(std::string_view name);

// Decides Auto from the folders: UTF-8 when any directory name has 8-bit bytes or a bare
// '&' (only Courier 5 writes those), modified UTF-7 when some name has an escape and none
// does (the heuristic of courier-formats.md section 1), else `fallback`. `why` gets a
// sentence for the report, naming the folders that decided it.
FolderNameEncoding chooseFolderNameEncoding(const std::vector<std::string>& folders,
                                            FolderNameEncoding fallback, std::string& why);

// The last step of both migrations (not in a dry run): records the namespace and the
// name encoding with the Maildir, rebuilds every folder's index from its Courier-format
// files, takes the subscriptions from courierimapsubscribed, and checks each folder's
// index against the plan. Fills report.folders, warnings and errors.
void indexFromCourierFiles(const MigrationOptions& options, bool mutf7, MigrationReport& report);

// A dry run's folder line from a plan.
FolderMigration describePlan(const std::string& folder, const FolderPlan& plan);

// The selectable folders of the Maildir, INBOX first; directories that look like folders
// but cannot be served (names Maildex refuses) are reported in `warnings`.
std::vector<std::string> migratableFolders(const std::filesystem::path& maildir,
                                           std::vector<std::string>& warnings);

// Words for the reports of the migrations and of `maildexctl check`: the flags
// ("answered, seen", or "no flags"), and each of `warnings` (taken) under the name of
// the file it is about.
std::string flagWords(SystemFlags flags);
void addFileWarnings(std::vector<std::string>& out, const std::filesystem::path& file,
                     std::vector<std::string>& warnings);

}  // namespace maildex::index
