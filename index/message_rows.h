#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "index/flags.h"

namespace maildex::index {

class Sqlite;

// One row of the message table (schema.cpp says what each column holds).
struct MessageRow {
    std::uint32_t uid = 0;
    std::string base;
    bool inNew = false;
    std::optional<std::string> info;  // the file name's text after ':'
    SystemFlags flags = 0;
    std::string keywords;  // KeywordTable::encode of the folder's keyword ids
    std::uint64_t modseq = 0;
    std::optional<std::int64_t> internalDate, size, vsize;
};

// Inserts a folder's new message rows, many to a statement. A statement of one row opens
// a cursor on the table and on each of its indexes, descends each from the root, and
// closes them again; a statement of 128 rows does that once, and each further row usually
// lands next to the one before (rows come in UID order, base keys in delivery order).
// That is a third of the time of a first index of 100,000 messages.
//
// Rows are buffered: call flush() before reading the folder's rows back, and before the
// transaction commits. Nothing is written if flush() is never called (an error unwinding
// the transaction loses nothing that the rollback would not).
class MessageRowWriter {
  public:
    MessageRowWriter(Sqlite& db, std::int64_t folderId) : db_(db), folderId_(folderId) {}
    void add(MessageRow row);
    void flush();

  private:
    void insert(size_t first, size_t count);

    Sqlite& db_;
    std::int64_t folderId_;
    std::vector<MessageRow> pending_;
};

}  // namespace maildex::index
