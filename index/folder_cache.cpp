// Folder: reading many messages' cached facts at once, and the values core/ asks the
// index to keep (see CachedValue in folder.h and version 2 in schema.cpp).
//
// SORT and THREAD look at every message of a folder; one query per message would cost
// more than the sort itself (100,000 messages), so everything here reads a folder's rows
// in one statement and writes in batches. Batches are separate transactions, so a long
// first computation never holds the index lock for long.

#include <sys/stat.h>

#include <algorithm>

#include "index/error.h"
#include "index/file_util.h"
#include "index/folder.h"
#include "index/mailstore.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {

constexpr size_t kWriteBatch = 5000;

std::optional<std::int64_t> optionalInteger(const Statement& q, int column) {
    if (q.isNull(column)) return std::nullopt;
    return q.integer(column);
}

// Calls fn(i, row) for the row of each of `uids` (ascending) that the index has: one range
// read when they are a good part of the folder, else one lookup each. Columns: uid, the
// file's path, internaldate, size, vsize.
template <class Fn>
void forEachRow(Sqlite& db, std::int64_t folderId, const std::filesystem::path& folderDir,
                const UidList& uids, std::uint32_t folderSize, Fn&& fn) {
    auto newDir = folderDir / "new", curDir = folderDir / "cur";
    auto path = [&](const Statement& q) {
        std::string name(q.text(1));
        if (!q.isNull(3)) name.append(":").append(q.text(3));
        return (q.integer(2) ? newDir : curDir) / name;
    };
    const std::string columns =
        "SELECT uid, base, in_new, info, internaldate, size, vsize FROM message ";
    if (uids.size() * 8 >= folderSize) {
        auto& q = db.prepare((columns + "WHERE folder_id=?1 ORDER BY uid").c_str());
        q.bind(1, folderId);
        size_t i = 0;
        while (q.step()) {
            auto uid = static_cast<std::uint32_t>(q.integer(0));
            while (i < uids.size() && uids[i] < uid)
                ++i;
            if (i == uids.size()) {
                q.reset();
                break;
            }
            if (uids[i] == uid) fn(i, q, path(q));
        }
        return;
    }
    auto& q = db.prepare((columns + "WHERE folder_id=?1 AND uid=?2").c_str());
    for (size_t i = 0; i < uids.size(); ++i) {
        q.bind(1, folderId).bind(2, uids[i]);
        if (q.step()) {
            fn(i, q, path(q));
            q.reset();
        }
    }
}

}  // namespace

std::vector<std::optional<std::filesystem::path>> Folder::lastKnownPaths(const UidList& uids) {
    std::vector<std::optional<std::filesystem::path>> out(uids.size());
    auto lock = store_->lockDb();
    forEachRow(store_->db(), id_, dir(), uids, messageCount(),
               [&](size_t i, const Statement&, std::filesystem::path p) { out[i] = std::move(p); });
    return out;
}

std::vector<std::optional<MessageFile>> Folder::files(const UidList& uids) {
    std::vector<std::optional<MessageFile>> out(uids.size());
    // Messages the index lacks a value for, with what it has.
    struct Missing {
        size_t i;
        std::optional<std::int64_t> internalDate, vsize;
    };
    std::vector<Missing> missing;
    {
        auto lock = store_->lockDb();
        forEachRow(store_->db(), id_, dir(), uids, messageCount(),
                   [&](size_t i, const Statement& q, std::filesystem::path p) {
                       MessageFile mf;
                       mf.path = std::move(p);
                       auto date = optionalInteger(q, 4), size = optionalInteger(q, 5),
                            vsize = optionalInteger(q, 6);
                       if (date && size && vsize) {
                           mf.internalDate = *date;
                           mf.size = static_cast<std::uint64_t>(*size);
                           mf.vsize = static_cast<std::uint64_t>(*vsize);
                       } else {
                           missing.push_back({i, date, vsize});
                       }
                       out[i] = std::move(mf);
                   });
    }
    // What file() computes, outside the lock; cached in batches.
    std::vector<size_t> computed;
    auto cache = [&] {
        auto lock = store_->lockDb();
        auto& db = store_->db();
        Transaction txn(db);
        auto& upd = db.prepare(
            "UPDATE message SET internaldate=?3, size=?4, vsize=?5 WHERE folder_id=?1 AND uid=?2");
        for (auto i : computed) {
            const MessageFile& f = *out[i];
            upd.bind(1, id_)
                .bind(2, uids[i])
                .bind(3, f.internalDate)
                .bind(4, static_cast<std::int64_t>(f.size))
                .bind(5, static_cast<std::int64_t>(f.vsize))
                .run();
        }
        txn.commit();
        computed.clear();
    };
    for (const auto& m : missing) {
        MessageFile& mf = *out[m.i];
        struct stat st;
        std::optional<std::string> data;
        if (::stat(mf.path.c_str(), &st) != 0 ||
            (!m.vsize && !(data = readFileIfExists(mf.path)))) {
            // Renamed by another program, or gone: file() looks for it (and caches).
            try {
                mf = file(uids[m.i]);
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::NotFound) throw;
                out[m.i].reset();
            }
            continue;
        }
        mf.internalDate = m.internalDate.value_or(st.st_mtim.tv_sec);
        mf.size = static_cast<std::uint64_t>(st.st_size);
        if (m.vsize) {
            mf.vsize = static_cast<std::uint64_t>(*m.vsize);
        } else {
            std::uint64_t bare = 0;
            for (size_t k = 0; k < data->size(); ++k)
                if ((*data)[k] == '\n' && (k == 0 || (*data)[k - 1] != '\r')) ++bare;
            mf.size = data->size();
            mf.vsize = data->size() + bare;
        }
        computed.push_back(m.i);
        if (computed.size() == kWriteBatch) cache();
    }
    if (!computed.empty()) cache();
    return out;
}

std::vector<CachedValue> Folder::cachedValues(std::uint32_t field) {
    std::vector<CachedValue> out;
    out.reserve(messageCount());
    auto lock = store_->lockDb();
    auto& q = store_->db().prepare(
        "SELECT uid, number, bytes FROM cached_value WHERE folder_id=?1 AND field=?2 ORDER BY uid");
    q.bind(1, id_).bind(2, field);
    while (q.step()) {
        CachedValue v;
        v.uid = static_cast<std::uint32_t>(q.integer(0));
        v.number = optionalInteger(q, 1);
        v.bytes = q.blob(2);
        out.push_back(std::move(v));
    }
    return out;
}

void Folder::storeCachedValues(std::uint32_t field, const std::vector<CachedValue>& values) {
    for (size_t start = 0; start < values.size(); start += kWriteBatch) {
        auto lock = store_->lockDb();
        auto& db = store_->db();
        Transaction txn(db);
        db.prepare("INSERT OR IGNORE INTO cached_field(field) VALUES(?1)").bind(1, field).run();
        // Only for messages still in the folder: the trigger that removes a message's values
        // has run already for one that left while its values were computed.
        auto& ins = db.prepare(
            "INSERT OR REPLACE INTO cached_value(folder_id, field, uid, number, bytes) "
            "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS "
            "(SELECT 1 FROM message WHERE folder_id=?1 AND uid=?3)");
        size_t end = std::min(values.size(), start + kWriteBatch);
        for (size_t i = start; i < end; ++i) {
            const auto& v = values[i];
            ins.bind(1, id_)
                .bind(2, field)
                .bind(3, v.uid)
                .bind(4, v.number)
                .bindBlob(5, v.bytes)
                .run();
        }
        txn.commit();
    }
}

}  // namespace maildex::index
