#pragma once
// COPY and MOVE between two Maildirs (the user's own folder and a shared account's, or two
// shared accounts'): index::Folder::copyTo works inside one Maildir, with one index
// transaction; across Maildirs each message is written into the target's tmp/ and
// appended there, as an APPEND of it would be.

#include "index/folder.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

// Copies the messages (flags, keywords and INTERNALDATE kept, minus what `filter` drops)
// in one append transaction of the target. Messages that left the source meanwhile are
// skipped. Throws index::Error (a full disk, an unreadable file): nothing is added then.
index::CopyResult copyAcrossMaildirs(index::MailboxView& source, const index::UidList& uids,
                                     index::Folder& dest, const index::CopyFlagFilter& filter);

// MOVE's second half: the copied messages leave the source (RFC 6851 3.3 allows a server
// that cannot move atomically to copy, mark \Deleted and expunge those messages only).
void removeMoved(index::MailboxView& source, const index::UidList& uids);

}  // namespace maildex::core::commands
