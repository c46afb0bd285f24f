#pragma once
// The modes of the files and folders Maildex creates in a user's Maildir: messages in
// tmp/, new/ and cur/, courierimapuiddb, courierimapkeywords/, courierimapsubscribed,
// maildirsize, maildirfolder. Their owner is whoever the creating thread acts as
// (base/fs_identity.h), so only the mode is decided here.
//
// Courier's way: folders are made 0700 (imapd's maildir_make(..., 0700, 0700)), and files
// get what the process umask (IMAP_UMASK, see imapd(8)) leaves of the usual 0666. Without
// IMAP_UMASK Maildex keeps every file 0600; with it, files are 0666 less the umask (the
// owner's read and write always kept: 022 gives 0644, 027 gives 0640, 077 gives 0600), and
// folders 0700 less it, as Courier's folders are. The index database and its -wal and -shm
// files stay 0600 whatever the umask (index/private_files.h): they cache every folder's
// subjects and addresses at once.

#include <sys/types.h>

#include <optional>

namespace maildex::index {

// IMAP_UMASK, set once at start-up before any thread creates files (nullopt: not set).
void setImapUmask(std::optional<mode_t> mask);
mode_t newFileMode();    // 0600 by default
mode_t newFolderMode();  // 0700 by default

}  // namespace maildex::index
