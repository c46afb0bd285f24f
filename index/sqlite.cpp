#include "index/sqlite.h"

#include <cstring>

#include "index/error.h"

namespace maildex::index {

void throwSqlite(sqlite3* db, int rc, std::string_view what) {
    std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    // "unable to open database file" alone does not tell an administrator why.
    if (int err = db ? sqlite3_system_errno(db) : 0; err != 0)
        msg += " (" + std::string(std::strerror(err)) + ")";
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw Error(ErrorKind::Busy, msg);
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) throw Error(ErrorKind::Corrupt, msg);
    throw Error(ErrorKind::Io, msg);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) throwSqlite(db, rc, "Cannot prepare index statement");
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindView(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bindBlob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    sqlite3_reset(stmt_);
    if (rc == SQLITE_DONE) return false;
    throwSqlite(db_, rc, "Index query failed");
}

void Statement::run() {
    while (step()) {
    }
}

std::string_view Statement::text(int column) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string_view{};
}

std::string_view Statement::blob(int column) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string_view{};
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

namespace {

// SQLite's default keeps allocation statistics behind one process-wide mutex, taken by
// every sqlite3_malloc and sqlite3_free of every connection: 4% of a first index of
// 100,000 messages, and contention between the server's workers. Nothing reads them.
// Must run before SQLite initializes itself; a later call is refused harmlessly.
void configureSqliteOnce() {
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}

}  // namespace

Sqlite::Sqlite(const std::string& path, bool readOnly) : path_(path) {
    configureSqliteOnce();
    int flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = "Cannot open index " + path;
        if (int err = db_ ? sqlite3_system_errno(db_) : 0; err != 0)
            msg += " (" + std::string(std::strerror(err)) + ")";
        sqlite3_close(db_);
        db_ = nullptr;
        throwSqlite(nullptr, rc, msg);
    }
    // Another process (a second server, maildexctl) may hold the write lock for the
    // length of a large scan; wait rather than fail.
    sqlite3_busy_timeout(db_, 60000);
}

Sqlite::~Sqlite() {
    statements_.clear();
    sqlite3_close(db_);
}

void Sqlite::exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throwSqlite(nullptr, rc, std::string("Index command failed (") + msg + ")");
    }
}

void Sqlite::releaseMemory() {
    statements_.clear();
    sqlite3_db_release_memory(db_);
}

Statement& Sqlite::prepare(const char* sql) {
    auto& slot = statements_[sql];
    if (!slot)
        slot = std::make_unique<Statement>(db_, sql);
    else
        slot->reset();
    return *slot;
}

Transaction::Transaction(Sqlite& db, Mode mode) : db_(db) {
    db_.exec(mode == Mode::Write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace maildex::index
