#pragma once
// Folder::rebuild: the index of one folder made again from its files and its
// Courier-format files (courierimapuiddb, courierimapkeywords/), for `maildexctl migrate`
// and `maildexctl reindex --force`.
//
// The rebuild happens inside the index, in one transaction, rather than by deleting the
// database: a server may have the folder open, and SQLite files must never be unlinked
// under an open connection. The folder keeps its row and its keyword ids (sessions and
// other processes hold both); its message rows become what the plan (folder_plan.h)
// says, and every difference is written with a new mod-sequence, so other processes see
// the rebuild as ordinary changes (flags, expunges, new messages), or as a new
// UIDVALIDITY when courierimapuiddb carries another one.

#include <cstddef>
#include <string>
#include <vector>

#include "index/folder_plan.h"

namespace maildex::index {

struct RebuildOptions {
    // A migration: no message is \Recent afterwards (Courier keeps \Recent nowhere, and
    // clients must not see the whole mailbox as new).
    bool clearRecent = false;
};

struct RebuildResult {
    FolderPlan plan;                    // what the files said
    std::vector<std::string> warnings;  // damaged Courier-format files, named
    std::size_t added = 0;              // rows the index did not have
    std::size_t changed = 0;            // rows whose flags, keywords or file name changed
    std::size_t removed = 0;            // rows without a file (expunged)
    std::size_t reassigned = 0;         // UIDs the index had for another file than the uiddb says
    bool uidValidityChanged = false;
    bool uidDbRewritten = false;
    bool keywordsRewritten = false;
};

}  // namespace maildex::index
