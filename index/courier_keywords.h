#pragma once
// courierimapkeywords/: Courier-IMAP's per-folder store of IMAP keywords. The importer
// reads it; Maildex keeps it current next to courierimapuiddb so that Courier could take
// the Maildir back. Format and merge rules: ../shared/spec/courier-formats.md section 4
// (courier-libs 5.0.13 maildir/maildirkeywords2.c).
//
// The directory holds
//   :list              the merged state: keyword names one per line, an empty line, then
//                      "<base name>:<index> <index> ..." for each message with keywords
//                      (indexes 0-based into the names; the name order means nothing)
//   <base name>        a pending update written by STORE: the message's complete keyword
//                      set, one name per line; an empty file means "no keywords"
//   .<N>.<base name>   an update some reader has already merged into :list
//   .tmp.<...>         scratch files of IMAP_KEYWORDS=2; ignored here
//
// Merge rule: a message's newest update file REPLACES its :list entry, where a plain
// <base name> file beats every ".N." file and otherwise the largest N wins.
//
// Reading never changes the directory (the importer leaves Courier's files in place,
// section 11). Names read from disk are sanitized as Courier does; folding them
// case-insensitively needs the folder's UID order, which only the caller knows, so it is
// a separate step (foldCourierKeywordCase).

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

// Base name → keyword names. std::set keeps a message's names in byte order, which is
// also the order Courier lists a message's indexes in on a :list line.
using CourierKeywordMap = std::map<std::string, std::set<std::string>>;

// One per-message update file seen in courierimapkeywords/.
struct CourierKeywordUpdateFile {
    std::string fileName;     // the entry's name in the directory
    std::string base;         // the message it is about
    std::uint64_t n = 0;      // N of a ".N." file; 0 for a pending plain <base name> file
    std::uint64_t inode = 0;  // identifies this very file, so a later write removes it and
                              // not a newer update renamed over the same name since
    bool pending() const { return n == 0; }
};

struct CourierKeywords {
    // The keywords of each message after the merge: names sanitized, not yet case-folded;
    // messages without keywords are absent. Base names of messages that no longer exist
    // (stale :list lines, orphan update files) may appear; Courier ignores them, so match
    // base names against the folder's files (foldCourierKeywordCase does).
    CourierKeywordMap byBase;
    // Every update file the read saw, winners and superseded ones alike: all of them are
    // represented in byBase, so writeCourierKeywords may remove them after writing :list.
    std::vector<CourierKeywordUpdateFile> updateFiles;
};

// Replaces each byte <= 0x20 and each of ( ) { % * " \ ] with '_', as Courier's IMAP mode
// does with every name it reads from disk ("Weird Key]word" → "Weird_Key_word").
std::string sanitizeCourierKeyword(std::string_view name);

// Parses :list into base name → sanitized names. Lenient: lines without ':' and indexes
// out of range are skipped, each with a warning; a later line for the same base name
// replaces an earlier one (as in Courier).
CourierKeywordMap parseCourierKeywordList(std::string_view text,
                                          std::vector<std::string>* warnings = nullptr);

// Parses one update file: names one per line, sanitized, up to the first empty line
// (Courier stops reading there). Empty text = no keywords.
std::set<std::string> parseCourierKeywordUpdate(std::string_view text,
                                                std::vector<std::string>* warnings = nullptr);

// Reads <folderDir>/courierimapkeywords/ with Courier's merge rule. A missing directory
// means no keywords. Throws Error(Io) only when the file system fails.
CourierKeywords readCourierKeywords(const std::filesystem::path& folderDir,
                                    std::vector<std::string>* warnings = nullptr);

// Folds names case-insensitively (ASCII, as Courier's IMAP mode does): walking the
// messages in `basesInUidOrder`, the first spelling met is kept and later spellings of the
// same name become it. Base names not in the list (messages that no longer exist) are
// dropped, and so are messages left without keywords. (This is the spec's importer
// recipe. Courier's own hash table meets the spellings of :list before those of update
// files; the two disagree only when :list and an update file spell a name differently,
// which Courier's STORE never writes.)
CourierKeywordMap foldCourierKeywordCase(const CourierKeywordMap& keywords,
                                         const std::vector<std::string>& basesInUidOrder);

// Makes `keywords` (the folder's complete keyword state) what a Courier reader sees:
// writes :list through tmp/ + rename() (deleting it when no message has a keyword), then
// removes the update files in `merged` whose inode is unchanged — their content is part
// of `keywords`. Update files not in `merged` stay: they were written after the caller's
// read, are newer than `keywords`, and still win for every reader.
// Throws Error(InvalidName) for a base name or keyword that the format cannot hold
// (empty, '\n', or a base name with '/' or ':' or a leading '.'), Error(Io) on I/O errors.
void writeCourierKeywords(const std::filesystem::path& folderDir, const CourierKeywordMap& keywords,
                          const std::vector<CourierKeywordUpdateFile>& merged);

// The same when the caller's state already covers every update file in the directory
// (it read and merged them while no other writer could run): removes all of them.
void writeCourierKeywords(const std::filesystem::path& folderDir,
                          const CourierKeywordMap& keywords);

// The update files in <folderDir>/courierimapkeywords/ as they are now (not :list, not
// scratch files); none when the directory is missing.
std::vector<CourierKeywordUpdateFile> listCourierKeywordUpdates(
    const std::filesystem::path& folderDir);

// Writes one pending update file, courierimapkeywords/<base>, through tmp/ + rename(), as
// Courier's STORE does: cheap per-message durability until the next writeCourierKeywords.
// An empty `names` clears the message's keywords.
void writeCourierKeywordUpdate(const std::filesystem::path& folderDir, std::string_view base,
                               const std::set<std::string>& names);

}  // namespace maildex::index
