#include "index/expire.h"

#include <sys/stat.h>

#include "index/folder.h"

namespace maildex::index {

ExpireResult expungeOlderThan(Folder& folder, std::int64_t maxAgeSeconds, std::int64_t now) {
    ExpireResult result;
    folder.sync(Folder::SyncMode::Full);
    const std::int64_t limit = now - maxAgeSeconds;
    UidList old;
    std::uint64_t bytes = 0;
    for (auto uid : folder.uids()) {
        ++result.examined;
        auto path = folder.path(uid);
        struct stat st;
        if (!path || ::stat(path->c_str(), &st) != 0) continue;  // gone meanwhile
        if (st.st_ctim.tv_sec < limit) {
            old.push_back(uid);
            bytes += static_cast<std::uint64_t>(st.st_size);
        }
    }
    if (old.empty()) return result;
    FlagChange mark;
    mark.mode = StoreMode::Add;
    mark.flags = flag::Deleted;
    folder.store(old, mark);
    auto removed = folder.expungeDeleted(&old);
    result.expunged = removed.size();
    result.bytes = removed.size() == old.size() ? bytes : 0;
    return result;
}

}  // namespace maildex::index
