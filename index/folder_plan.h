#pragma once
// The UIDs, flags and keywords a folder's messages get when its index is built from the
// Courier-format files: the importer recipe of ../shared/spec/courier-formats.md sections
// 3 and 4, as a pure function of what is on disk (and, for a rebuild, of what the index
// already knows). Folder::rebuild applies a plan; `maildexctl migrate --dry-run` prints
// one; a migration checks the index it built against one.
//
// The recipe:
// - UIDVALIDITY is courierimapuiddb's. Without a usable file the folder keeps the index's
//   value, or (a folder nobody numbered) gets a new one when the index first sees it.
// - A file listed in courierimapuiddb keeps that UID. When two existing files claim one
//   UID (a header next UID that was too low made Courier hand it out twice), the file
//   delivered first keeps it and the other is numbered anew.
// - A file the uiddb does not list keeps the index's UID for it, if any (a rebuild of an
//   index whose mirror lost lines) and that UID is free.
// - The rest, cur/ and new/ together, are numbered from max(header next UID, highest
//   listed UID + 1, the index's UIDNEXT) in Courier's order (compareDeliveryOrder).
// - Flags come from the file names; keywords from courierimapkeywords/ after Courier's
//   merge, folded case-insensitively onto the first spelling in UID order.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/courier_keywords.h"
#include "index/courier_uiddb.h"
#include "index/flags.h"
#include "index/folder.h"

namespace maildex::index {

// Base name → where the message's file is, from one listing of new/ and cur/ (cur/ wins
// when a base name is in both: a move between the two was interrupted).
using MessageFiles = std::unordered_map<std::string, FileSeen>;
MessageFiles listMessageFiles(const std::filesystem::path& folderDir);
// Adds a second listing (names renamed while the first one ran can be missed by it).
void addMessageFiles(const std::filesystem::path& folderDir, MessageFiles& files);

struct PlannedMessage {
    enum class Source { Mirror, Index, New };
    std::uint32_t uid = 0;
    std::string base;
    FileSeen seen;
    SystemFlags flags = 0;
    std::vector<std::string> keywords;  // byte order; empty also when keywordsKnown is false
    Source source = Source::New;
};

struct FolderPlanInput {
    MessageFiles files;
    std::optional<CourierUidDb> uidDb;          // a usable courierimapuiddb, parsed
    std::optional<CourierKeywordMap> keywords;  // merged courierimapkeywords/; nullopt:
                                                // nothing to take keywords from
    std::unordered_map<std::string, std::uint32_t> indexUids;  // base → UID in the index
    std::uint32_t indexUidValidity = 0;                        // 0: no index row for the folder yet
    std::uint32_t indexUidNext = 1;
};

struct FolderPlan {
    std::uint32_t uidValidity = 0;  // 0: nothing to take it from; the index chooses
    std::uint32_t uidNext = 1;
    bool keywordsKnown = false;            // false: keep what the index has
    std::vector<PlannedMessage> messages;  // ascending UIDs
    std::size_t fromMirror = 0, fromIndex = 0, numbered = 0;
    std::size_t withKeywords = 0;
    std::vector<std::string> notes;  // sentences for the administrator
};

FolderPlan planFolder(const FolderPlanInput& input);

}  // namespace maildex::index
