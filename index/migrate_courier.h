#pragma once
// Moving a Maildir from Courier-IMAP to Maildex (`maildexctl migrate courier`), so that
// clients notice nothing: same UIDVALIDITY, UIDs, UIDNEXT, flags, keywords, folder names
// and subscriptions (../shared/spec/courier-formats.md section 11).
//
// Courier's files are read where they are and left there; the only files the migration
// writes are Maildex's own: the index, maildexsettings, and courierimapuiddb /
// courierimapkeywords/:list where they need repair (a header next UID that was too low,
// damaged lines, pending keyword updates merged). Courier can therefore take the Maildir
// back at any time (`maildexctl export courier` brings its files up to date first).
//
// What is read:
// - courierimapuiddb per folder: UIDVALIDITY and UIDs (lenient; next UID is
//   max(header, highest UID + 1)); files Courier never numbered get UIDs in Courier's
//   order (folder_plan.h).
// - courierimapkeywords/ per folder, with Courier's merge rules.
// - courierimapsubscribed: the subscriptions.
// - courierimapacl, courierimaphieracl/, maildirsize: checked and reported (damaged
//   lines are warnings); they stay in place, and Maildex serves them as they are (its
//   ACLs are these files, its quota is maildirsize), so nothing is converted.
// - Folder directory names: UTF-8 (Courier 5) or modified UTF-7 (Courier 4), chosen by
//   options.folderNames; a modified-UTF-7 Maildir is recorded as such and served under the
//   names Courier 4 showed, without renaming anything (Courier's own
//   `maildirmake --convutf8` renames, for sites that want to).
//
// A damaged or half-written file is reported (naming the file and the line) and the
// migration goes on with what can be read, as Courier would.

#include "index/migration.h"

namespace maildex::index {

MigrationReport migrateCourier(const MigrationOptions& options);

}  // namespace maildex::index
