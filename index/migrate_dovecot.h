#pragma once
// Moving a Maildir from Dovecot (2.x, Maildir++ layout) to Maildex
// (`maildexctl migrate dovecot`), so that clients notice nothing (courier-formats.md
// section 10).
//
// Approach: Dovecot's metadata is translated into the Courier-format files Maildex keeps
// anyway, and then the Maildir is indexed exactly as a Courier Maildir is
// (migration.h). Per folder:
// - dovecot-uidlist → courierimapuiddb: UIDVALIDITY, next UID = max(N, highest listed
//   UID + 1) (N alone is not reliable), the UID of each listed base name. A folder
//   without a usable dovecot-uidlist was never opened by Dovecot: a stale
//   courierimapuiddb there (from a Courier past) is removed, and the folder is numbered
//   afresh in Courier's order.
// - Keyword letters in the file names ("...:2,RSa") + dovecot-keywords →
//   courierimapkeywords/:list. Only 26 keywords fit in file names; Dovecot keeps more in
//   dovecot.index, which is not read (the report says when a folder has all 26).
// - subscriptions (root) → courierimapsubscribed.
// The Dovecot files stay as they are (Dovecot can take the Maildir back); the keyword
// letters stay in the file names.
//
// Folder names stay what Dovecot showed: the namespace prefix (Dovecot's default for
// Maildir is "", so "Sent", not "INBOX.Sent") and separator are recorded with the Maildir,
// and so is the directory name encoding (Dovecot keeps modified UTF-7 on disk unless its
// mail location has the UTF-8 option), so the directories are served as they are.
// The prefix is taken from the options, else detected: "INBOX." when a subscribed name
// "INBOX.<x>" has only a directory ".<x>", else "".

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "index/migration.h"

namespace maildex::index {

struct DovecotMigrationOptions : MigrationOptions {
    std::optional<std::string> prefix;  // nullopt: detect
    std::optional<char> separator;      // nullopt: '.'
    // Modified UTF-7 → UTF-8, for a Maildir whose directories are UTF-8 (Dovecot's UTF-8
    // option) while its subscriptions file is modified UTF-7. The protocol layer has the
    // codec; the caller passes it in.
    std::function<std::optional<std::string>(std::string_view)> decodeMutf7;
};

MigrationReport migrateDovecot(const DovecotMigrationOptions& options);

}  // namespace maildex::index
