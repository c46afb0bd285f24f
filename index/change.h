#pragma once
// The typed change events a folder publishes. The same events come out whether the change
// was made by a session in this process, by another process (seen through the index
// database), by an MDA delivering into new/ (seen through inotify) or found by a rescan.

#include <cstdint>
#include <vector>

namespace maildex::index {

struct ChangeEvent {
    enum class Kind {
        Added,         // uids: new messages, ascending
        Expunged,      // uids: removed messages, ascending
        FlagsChanged,  // uids: messages whose flags or keywords changed, ascending
        Reset,         // UIDVALIDITY changed or the folder was deleted: views must close
    };
    Kind kind;
    std::uint64_t modseq;  // the folder's HIGHESTMODSEQ once this change is applied
    std::vector<std::uint32_t> uids;
};

}  // namespace maildex::index
