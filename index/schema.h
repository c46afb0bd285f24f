#pragma once
// The index database: one SQLite file per user Maildir. Schema versions are numbered by
// PRAGMA user_version; openIndex() creates a new database or migrates an older one
// forward step by step inside one transaction.

#include <filesystem>
#include <memory>

#include "index/sqlite.h"

namespace maildex::index {

inline constexpr int kSchemaVersion = 6;

// Where the index of `maildir` lives: "<maildir>/maildex.sqlite", or under `indexDir`
// (named after the Maildir's absolute path) when one is configured, so the Maildir can sit
// on shared storage and the index on local disk.
std::filesystem::path indexPathFor(const std::filesystem::path& maildir,
                                   const std::filesystem::path& indexDir);

// Opens (creating or migrating) the index at `path`, in WAL mode. `created` (when given)
// tells whether the database was new, so the caller can fill it from the Maildir's files.
std::unique_ptr<Sqlite> openIndex(const std::filesystem::path& path, bool* created = nullptr);

}  // namespace maildex::index
