#pragma once
// Removing old messages from a folder the way Courier's IMAP_EMPTYTRASH does
// (`maildexctl expunge --mailbox Trash --older-than 7d`; Courier: "Trash:7", at login
// and logout): a message goes when its file's ctime is older than the limit. The ctime,
// not the date or INTERNALDATE, because it changes when the file is renamed or linked,
// so it tells when the message was moved into the folder (or last had its flags
// changed) — a message deleted yesterday from a year-old thread stays for the full week.
//
// The messages are expunged through the index (marked \Deleted, then expunged), so
// sessions with the folder open see ordinary EXPUNGEs and the Courier-format files stay
// current.

#include <cstddef>
#include <cstdint>

namespace maildex::index {

class Folder;

struct ExpireResult {
    std::size_t examined = 0;
    std::size_t expunged = 0;
    std::uint64_t bytes = 0;  // size of the files removed
};

// Expunges the messages of `folder` whose file's ctime is before `now - maxAgeSeconds`.
ExpireResult expungeOlderThan(Folder& folder, std::int64_t maxAgeSeconds, std::int64_t now);

}  // namespace maildex::index
