#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared statements cached by
// their SQL text, and transactions that roll back unless committed. Errors throw
// index::Error (Busy when the database stayed locked, Corrupt or Io otherwise).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace maildex::index {

class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    // Binds without copying: `text` must stay valid until the statement is stepped for
    // the last time or reset (hot loops only).
    Statement& bindView(int index, std::string_view text);
    Statement& bindBlob(int index, std::string_view bytes);
    Statement& bindNull(int index);
    Statement& bind(int index, std::optional<std::int64_t> value) {
        return value ? bind(index, *value) : bindNull(index);
    }

    // Advances to the next row; false when done. The statement resets itself after the
    // last row, so a cached statement is ready for its next use.
    bool step();
    // Runs a statement that returns no rows.
    void run();

    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::string_view text(int column) const;
    std::string_view blob(int column) const;
    bool isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
    // NULL or no bytes, in one call (hot loops over mostly empty text).
    bool isEmpty(int column) const { return sqlite3_column_bytes(stmt_, column) == 0; }

    void reset();

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Sqlite {
  public:
    // `readOnly` opens an existing database without ever writing to it (maildexctl check).
    explicit Sqlite(const std::string& path, bool readOnly = false);
    ~Sqlite();
    Sqlite(const Sqlite&) = delete;
    Sqlite& operator=(const Sqlite&) = delete;

    void exec(const char* sql);
    // A cached prepared statement for `sql`, reset and with its bindings cleared.
    Statement& prepare(const char* sql);
    std::int64_t lastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }
    // Gives back what the connection holds only for speed (cached statements, the page
    // cache); both come back on use.
    void releaseMemory();

  private:
    sqlite3* db_ = nullptr;
    std::string path_;
    std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

// BEGIN IMMEDIATE ... COMMIT: takes the write lock at once, so two processes that both
// read-then-write (allocate UIDs, say) serialize instead of failing at the write.
// A Read transaction (BEGIN DEFERRED) gives several queries one consistent snapshot.
class Transaction {
  public:
    enum class Mode { Write, Read };
    explicit Transaction(Sqlite& db, Mode mode = Mode::Write);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Sqlite& db_;
    bool done_ = false;
};

// No automatic WAL checkpoint while it exists (the commits meanwhile leave theirs to the
// next commit after it). Restores SQLite's default of 1,000 pages.
class CheckpointPause {
  public:
    explicit CheckpointPause(Sqlite& db) : db_(db) { db_.exec("PRAGMA wal_autocheckpoint=0"); }
    ~CheckpointPause() {
        sqlite3_exec(db_.handle(), "PRAGMA wal_autocheckpoint=1000", nullptr, nullptr, nullptr);
    }
    CheckpointPause(const CheckpointPause&) = delete;
    CheckpointPause& operator=(const CheckpointPause&) = delete;

  private:
    Sqlite& db_;
};

[[noreturn]] void throwSqlite(sqlite3* db, int rc, std::string_view what);

}  // namespace maildex::index
