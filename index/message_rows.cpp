#include "index/message_rows.h"

#include <string>

#include "index/maildir_name.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {

constexpr size_t kRowsPerStatement = 128;
constexpr int kColumns = 12;

// "INSERT INTO message(...) VALUES(?,...),(?,...)..." for `rows` rows; parameter
// (r * kColumns + c + 1) is column c of row r.
std::string insertSql(size_t rows) {
    std::string sql =
        "INSERT INTO message(folder_id, uid, base, base_key, in_new, info, flags, keywords, "
        "modseq, internaldate, size, vsize) VALUES";
    for (size_t r = 0; r < rows; ++r) {
        sql += r ? ",(" : "(";
        for (int c = 0; c < kColumns; ++c)
            sql += c ? ",?" : "?";
        sql += ')';
    }
    return sql;
}

}  // namespace

void MessageRowWriter::add(MessageRow row) {
    pending_.push_back(std::move(row));
    if (pending_.size() == kRowsPerStatement) flush();
}

void MessageRowWriter::flush() {
    size_t done = 0;
    if (pending_.size() == kRowsPerStatement) {
        insert(0, kRowsPerStatement);
        done = kRowsPerStatement;
    }
    for (; done < pending_.size(); ++done)
        insert(done, 1);
    pending_.clear();
}

void MessageRowWriter::insert(size_t first, size_t count) {
    // Never destroyed: the watcher's thread may still write rows while the process exits.
    static const std::string& one = *new std::string(insertSql(1));
    static const std::string& batch = *new std::string(insertSql(kRowsPerStatement));
    auto& q = db_.prepare(count == 1 ? one.c_str() : batch.c_str());
    for (size_t r = 0; r < count; ++r) {
        const MessageRow& row = pending_[first + r];
        int p = static_cast<int>(r) * kColumns;
        // The rows stay in pending_ until the statement has run: no copies of the text.
        q.bind(p + 1, folderId_)
            .bind(p + 2, row.uid)
            .bindView(p + 3, row.base)
            .bind(p + 4, baseNameKey(row.base))
            .bind(p + 5, row.inNew ? 1 : 0);
        if (row.info)
            q.bindView(p + 6, *row.info);
        else
            q.bindNull(p + 6);
        q.bind(p + 7, row.flags)
            .bindView(p + 8, row.keywords)
            .bind(p + 9, static_cast<std::int64_t>(row.modseq))
            .bind(p + 10, row.internalDate)
            .bind(p + 11, row.size)
            .bind(p + 12, row.vsize);
    }
    q.run();
}

}  // namespace maildex::index
