// The modes of what Maildex creates in a Maildir (index/file_modes.h).

#include "index/file_modes.h"

#include <atomic>

namespace maildex::index {

namespace {
std::atomic<int> umaskSet{-1};  // -1: IMAP_UMASK not set
}  // namespace

void setImapUmask(std::optional<mode_t> mask) {
    umaskSet = mask ? static_cast<int>(*mask & 0777) : -1;
}

mode_t newFileMode() {
    int mask = umaskSet.load(std::memory_order_relaxed);
    if (mask < 0) return 0600;
    return static_cast<mode_t>((0666 & ~mask) | 0600);
}

mode_t newFolderMode() {
    int mask = umaskSet.load(std::memory_order_relaxed);
    if (mask < 0) return 0700;
    return static_cast<mode_t>((0700 & ~mask) | 0700);
}

}  // namespace maildex::index
