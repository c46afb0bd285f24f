#pragma once
// The index is as private as the mail it describes: it caches subjects, addresses and
// message structure. Its database and the -wal and -shm files SQLite keeps beside it are
// made readable by their owner only (0600), as Courier keeps its own per-Maildir files and
// as the Maildir's messages are; an index directory (MAILDEX_INDEX_DIR) Maildex creates
// is 0700.

#include <filesystem>

namespace maildex::index {

// Before SQLite opens `database`: creates it empty with mode 0600 if it does not exist
// (SQLite gives the -wal and -shm files it creates the database file's mode), and takes
// the group and other permissions off the database, -wal and -shm files that exist. An
// index created by an earlier Maildex with SQLite's 0644 is tightened here the next time
// it is opened. Throws Error(Io) naming the file when it can neither create nor tighten.
void makeIndexFilesPrivate(const std::filesystem::path& database);

// Creates `dir` (and missing parents) if it does not exist, the last component 0700.
// An existing directory is left as the administrator made it.
void createPrivateDirectory(const std::filesystem::path& dir);

}  // namespace maildex::index
