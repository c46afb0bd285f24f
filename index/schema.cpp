#include "index/schema.h"

#include <cctype>
#include <cstdio>
#include <iterator>
#include <string>

#include "index/error.h"
#include "index/private_files.h"

namespace maildex::index {

namespace {

// Version 1. Folder names are the on-disk spelling without the leading dot ("" = INBOX).
// Per message, only what is costly to recompute or lives nowhere else is stored: the UID
// (also in courierimapuiddb), keywords (also in courierimapkeywords/), the modseq and the
// cached sizes and date. The file name's info part is stored so a flag change knows the
// current name without listing the directory.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE folder(
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  uidvalidity   INTEGER NOT NULL,
  uidnext       INTEGER NOT NULL,
  highestmodseq INTEGER NOT NULL,
  -- \Recent (RFC 3501 2.3.2) belongs to exactly one session: the first read-write session
  -- to see a message. Messages numbered from recent_uid on have not been claimed yet; a
  -- session claims all of them at once by moving recent_uid to uidnext.
  recent_uid    INTEGER NOT NULL DEFAULT 1,
  -- Directory mtimes (ns) when the folder was last fully scanned; 0 forces a scan.
  new_mtime     INTEGER NOT NULL DEFAULT 0,
  cur_mtime     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE message(
  folder_id     INTEGER NOT NULL,
  uid           INTEGER NOT NULL,
  base          TEXT NOT NULL,
  base_key      INTEGER NOT NULL,   -- baseNameKey(base): finds a base name cheaply
  in_new        INTEGER NOT NULL,   -- 1 while the file is still in new/
  info          TEXT,               -- text after ':' in the file name; NULL when none
  flags         INTEGER NOT NULL,   -- system flag bits decoded from info
  keywords      TEXT NOT NULL DEFAULT '',  -- keyword ids of this folder, ascending, ' '-separated
  modseq        INTEGER NOT NULL,
  internaldate  INTEGER,            -- Unix seconds (file mtime); NULL until needed
  size          INTEGER,            -- bytes on disk; NULL until needed
  vsize         INTEGER,            -- bytes with CRLF line ends; NULL until needed
  PRIMARY KEY(folder_id, uid)
) WITHOUT ROWID;
CREATE INDEX message_by_base ON message(folder_id, base_key);
CREATE INDEX message_by_modseq ON message(folder_id, modseq);
CREATE TABLE keyword(
  folder_id     INTEGER NOT NULL,
  id            INTEGER NOT NULL,
  name          TEXT NOT NULL,
  PRIMARY KEY(folder_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX keyword_by_name ON keyword(folder_id, name COLLATE NOCASE);
CREATE TABLE expunged(
  folder_id     INTEGER NOT NULL,
  uid           INTEGER NOT NULL,
  modseq        INTEGER NOT NULL,
  PRIMARY KEY(folder_id, uid)
) WITHOUT ROWID;
CREATE INDEX expunged_by_modseq ON expunged(folder_id, modseq);
CREATE TABLE subscription(name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE setting(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql";

// Migrations from version N to N+1, kMigrations[N-1]. A new index is made as version 1
// and migrated forward like an old one, so there is one definition of each table.
//
// Version 2: values that core/ computes from a message's content and wants kept (SORT and
// THREAD keys), opaque to the index. One row holds one field of a whole folder (the sent
// dates of 100,000 messages are one read of about a megabyte, not 100,000 row reads;
// folder_cache.cpp has the encoding). Values of expunged messages are dropped when the row
// is next written; the row goes with its folder.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE cached_values(
  folder_id     INTEGER NOT NULL,
  field         INTEGER NOT NULL,   -- chosen by the caller
  data          BLOB NOT NULL,
  UNIQUE(folder_id, field)
);
CREATE TRIGGER cached_values_gone AFTER DELETE ON folder BEGIN
  DELETE FROM cached_values WHERE folder_id=old.id;
END;
)sql";

// Version 3: the messages still in new/, found without reading the folder's every row
// (each delivery asks). Lookups by base name, by modseq and of messages in new/ name their
// index (INDEXED BY): without ANALYZE statistics SQLite takes `folder_id=?` on the primary
// key to match about ten rows and scans the whole folder instead, 15 ms per delivery at
// 100,000 messages.
constexpr const char* kSchemaV3 = R"sql(
CREATE INDEX message_in_new ON message(folder_id, uid) WHERE in_new=1;
)sql";

// Version 4: per-message values core/ computes from a message's content and answers many
// times (the ENVELOPE and BODYSTRUCTURE a client fetches for every message it lists), one
// row per message and field, opaque to the index. A message's values go with it.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE message_value(
  folder_id     INTEGER NOT NULL,
  uid           INTEGER NOT NULL,
  field         INTEGER NOT NULL,   -- chosen by the caller
  data          BLOB NOT NULL,
  PRIMARY KEY(folder_id, uid, field)
) WITHOUT ROWID;
CREATE TRIGGER message_value_gone AFTER DELETE ON message BEGIN
  DELETE FROM message_value WHERE folder_id=old.folder_id AND uid=old.uid;
END;
)sql";

// Version 5: the modseq index also carries flags and keywords, so it covers what a folder
// keeps in memory per message (UID, flags, keywords, modseq). Loading a folder reads it
// instead of the table, whose rows are several times wider (base name, info, sizes,
// dates): 100,000 messages are about 300 index pages instead of 2,000 table pages. A
// flag or keyword change rewrites the entry anyway, as it also changes the modseq.
constexpr const char* kSchemaV5 = R"sql(
DROP INDEX message_by_modseq;
CREATE INDEX message_by_modseq ON message(folder_id, modseq, flags, keywords);
)sql";

// Version 6: the message rows of a large folder's first index, committed as one value
// and turned into rows afterwards, a chunk at a time (index/pending_rows.h). All have
// the modseq `modseq`; those with UIDs below `done_below` are rows already.
constexpr const char* kSchemaV6 = R"sql(
CREATE TABLE pending_rows(
  folder_id     INTEGER PRIMARY KEY,
  modseq        INTEGER NOT NULL,
  done_below    INTEGER NOT NULL DEFAULT 0,
  data          BLOB NOT NULL
);
CREATE TRIGGER pending_rows_gone AFTER DELETE ON folder BEGIN
  DELETE FROM pending_rows WHERE folder_id=old.id;
END;
)sql";

constexpr const char* kMigrations[] = {kSchemaV2, kSchemaV3, kSchemaV4, kSchemaV5, kSchemaV6};
static_assert(std::size(kMigrations) == kSchemaVersion - 1);

std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace

std::filesystem::path indexPathFor(const std::filesystem::path& maildir,
                                   const std::filesystem::path& indexDir) {
    if (indexDir.empty()) return maildir / "maildex.sqlite";
    std::error_code ec;
    auto abs = std::filesystem::weakly_canonical(maildir, ec);
    if (ec) abs = std::filesystem::absolute(maildir);
    std::string key = abs.lexically_normal().string();
    while (key.size() > 1 && key.back() == '/')
        key.pop_back();
    // A readable tail plus a hash of the whole path: unique and still recognisable.
    std::string tail;
    for (char c : key.substr(key.size() > 40 ? key.size() - 40 : 0))
        tail += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(key)));
    return indexDir / (std::string(hash) + "-" + tail + ".sqlite");
}

std::unique_ptr<Sqlite> openIndex(const std::filesystem::path& path, bool* created) {
    makeIndexFilesPrivate(path);  // 0600, and older 0644 indexes tightened: see the header
    auto db = std::make_unique<Sqlite>(path.string());
    db->exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode: a commit survives a process crash; a power loss may lose the
    // last commits, which the next scan recovers from the files and the Courier-format
    // mirror.
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA cache_size=-2048");  // 2 MiB: many users' indexes may be open at once

    auto& v = db->prepare("PRAGMA user_version");
    auto readVersion = [&v] {
        int version = v.step() ? static_cast<int>(v.integer(0)) : 0;
        v.reset();
        return version;
    };
    // The usual case, an index of this version, takes no write lock (the server opens a
    // user's index again each time the user comes back from waiting).
    if (readVersion() == kSchemaVersion) {
        if (created) *created = false;
        return db;
    }
    Transaction txn(*db);
    int version = readVersion();  // again, under the write lock: another process may have
                                  // created or migrated it meanwhile
    if (created) *created = version == 0;
    if (version > kSchemaVersion)
        throw Error(ErrorKind::Corrupt, "Index " + path.string() + " has schema version " +
                                            std::to_string(version) +
                                            ", newer than this Maildex understands");
    if (version == 0) {
        db->exec(kSchemaV1);
        version = 1;
    }
    for (int from = version; from < kSchemaVersion; ++from)
        db->exec(kMigrations[from - 1]);
    db->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    txn.commit();
    return db;
}

}  // namespace maildex::index
