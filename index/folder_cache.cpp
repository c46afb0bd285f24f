// Folder: reading many messages' cached facts at once, and the values core/ asks the
// index to keep (see CachedValue in folder.h and version 2 in schema.cpp).
//
// SORT and THREAD look at every message of a folder; one query per message would cost
// more than the sort itself (100,000 messages), so file facts are read for a folder in one
// statement and written in batches (separate transactions, so a long first computation
// never holds the index lock for long), and the values of one field for a whole folder
// are one row:
//
//   data  = *entry                       ascending by UID
//   entry = varint(uid - previous uid)   (previous uid starts at 0)
//           varint(tag)                  bit 0: a number follows
//           [varint(zigzag(number))]
//           varint(length) bytes
//
// A row that does not decode is ignored (its values are computed again and replace it).

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

// Calls fn(i, row) for the row of each of `uids` (ascending) that `table` has for the
// folder (and `condition`, whose parameters start at ?4 and are bound by bindMore): one
// range read when they are a good part of the UIDs between the first and the last
// (1:1000, or most of the folder), else one lookup each; all in one read transaction.
// Column 0 of the row is the UID, then `columns`.
template <class BindMore, class Fn>
void forEachUidRow(Sqlite& db, std::int64_t folderId, const UidList& uids, const char* table,
                   const std::string& columns, const char* condition, BindMore&& bindMore,
                   Fn&& fn) {
    if (uids.empty()) return;
    Transaction read(db, Transaction::Mode::Read);
    const std::string select =
        "SELECT uid, " + columns + " FROM " + table + " WHERE folder_id=?1" + condition;
    if (uids.size() * 8 >= std::uint64_t{uids.back()} - uids.front() + 1) {
        auto& q = db.prepare((select + " AND uid BETWEEN ?2 AND ?3 ORDER BY uid").c_str());
        q.bind(1, folderId).bind(2, uids.front()).bind(3, uids.back());
        bindMore(q);
        size_t i = 0;
        while (q.step()) {
            auto uid = static_cast<std::uint32_t>(q.integer(0));
            while (i < uids.size() && uids[i] < uid)
                ++i;
            if (i == uids.size()) {
                q.reset();
                break;
            }
            if (uids[i] == uid) fn(i, q);
        }
    } else {
        auto& q = db.prepare((select + " AND uid=?2").c_str());
        for (size_t i = 0; i < uids.size(); ++i) {
            q.bind(1, folderId).bind(2, uids[i]);
            bindMore(q);
            if (q.step()) {
                fn(i, q);
                q.reset();
            }
        }
    }
    read.commit();
}

// The message table's `columns` of these messages (see forEachUidRow).
template <class Fn>
void forEachRow(Sqlite& db, std::int64_t folderId, const std::string& columns, const UidList& uids,
                Fn&& fn) {
    forEachUidRow(
        db, folderId, uids, "message", columns, "", [](Statement&) {}, fn);
}

}  // namespace

std::vector<std::optional<std::filesystem::path>> Folder::lastKnownPaths(const UidList& uids) {
    std::vector<std::optional<std::filesystem::path>> out(uids.size());
    // While a first index's rows are pending, their paths come from memory without
    // waiting for the index (a client fetching right after its first SELECT).
    const UidList* ask = &uids;
    UidList rest;
    std::vector<size_t> restAt;
    if (hasPendingRows()) {
        for (size_t i = 0; i < uids.size(); ++i) {
            if (auto p = pendingPath(uids[i])) {
                out[i] = std::move(*p);
            } else {
                rest.push_back(uids[i]);
                restAt.push_back(i);
            }
        }
        if (rest.empty()) return out;
        ask = &rest;
    }
    auto d = dir();
    auto newDir = d / "new", curDir = d / "cur";
    auto lock = store_->lockDb();
    forEachRow(store_->db(), id_, "base, in_new, info", *ask, [&](size_t i, const Statement& q) {
        std::string name(q.text(1));
        if (!q.isNull(3)) name.append(":").append(q.text(3));
        out[ask == &uids ? i : restAt[i]] = (q.integer(2) ? newDir : curDir) / name;
    });
    return out;
}

std::vector<std::optional<std::int64_t>> Folder::cachedFileFacts(const UidList& uids,
                                                                 FileFact fact) {
    if (hasPendingRows()) insertPendingRows();  // the facts are cached in the rows
    std::vector<std::optional<std::int64_t>> out(uids.size());
    UidList missing;
    std::vector<size_t> missingIndex;
    {
        auto lock = store_->lockDb();
        forEachRow(store_->db(), id_, fact == FileFact::InternalDate ? "internaldate" : "vsize",
                   uids, [&](size_t i, const Statement& q) {
                       if (q.isNull(1)) {
                           missing.push_back(uids[i]);
                           missingIndex.push_back(i);
                       } else {
                           out[i] = q.integer(1);
                       }
                   });
    }
    if (missing.empty()) return out;

    // What file() computes, outside the lock, cached in batches: a stat for the date; the
    // file's content for the size.
    auto paths = lastKnownPaths(missing);
    struct Computed {
        std::uint32_t uid;
        std::int64_t mtime, size, vsize;
    };
    std::vector<Computed> computed;
    auto cache = [&] {
        write(WriteOptions::bare(), [&](WriteScope& w) {
            auto& db = w.db();
            auto& date = db.prepare(
                "UPDATE message SET internaldate=?3 WHERE folder_id=?1 AND uid=?2 AND internaldate "
                "IS NULL");
            auto& sizes = db.prepare(
                "UPDATE message SET internaldate=COALESCE(internaldate, ?3), size=?4, vsize=?5 "
                "WHERE "
                "folder_id=?1 AND uid=?2");
            for (const auto& c : computed) {
                if (fact == FileFact::InternalDate)
                    date.bind(1, id_).bind(2, c.uid).bind(3, c.mtime).run();
                else
                    sizes.bind(1, id_)
                        .bind(2, c.uid)
                        .bind(3, c.mtime)
                        .bind(4, c.size)
                        .bind(5, c.vsize)
                        .run();
            }
        });
        computed.clear();
    };
    for (size_t m = 0; m < missing.size(); ++m) {
        struct stat st;
        std::optional<FileSizes> sizes;
        bool found = paths[m] && ::stat(paths[m]->c_str(), &st) == 0 &&
                     (fact == FileFact::InternalDate || (sizes = measureFile(*paths[m])));
        if (!found) {
            // Renamed by another program, or gone: file() looks for it (and caches).
            try {
                auto f = file(missing[m]);
                out[missingIndex[m]] = fact == FileFact::InternalDate
                                           ? f.internalDate
                                           : static_cast<std::int64_t>(f.vsize);
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::NotFound) throw;
            }
            continue;
        }
        Computed c{missing[m], st.st_mtim.tv_sec, 0, 0};
        if (sizes) {
            c.size = static_cast<std::int64_t>(sizes->size);
            c.vsize = static_cast<std::int64_t>(sizes->vsize);
        }
        out[missingIndex[m]] = fact == FileFact::InternalDate ? c.mtime : c.vsize;
        computed.push_back(c);
        if (computed.size() == kWriteBatch) cache();
    }
    if (!computed.empty()) cache();
    return out;
}

std::vector<std::optional<std::int64_t>> Folder::internalDates(const UidList& uids) {
    return cachedFileFacts(uids, FileFact::InternalDate);
}

std::vector<std::optional<std::uint64_t>> Folder::virtualSizes(const UidList& uids) {
    auto facts = cachedFileFacts(uids, FileFact::VirtualSize);
    std::vector<std::optional<std::uint64_t>> out(facts.size());
    for (size_t i = 0; i < facts.size(); ++i)
        if (facts[i]) out[i] = static_cast<std::uint64_t>(*facts[i]);
    return out;
}

namespace {

void putVarint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

bool getVarint(std::string_view in, std::size_t& pos, std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
        auto byte = static_cast<unsigned char>(in[pos++]);
        v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
        if (!(byte & 0x80)) return true;
    }
    return false;
}

std::string encodeValues(const std::vector<CachedValue>& values) {
    std::string out;
    std::uint32_t previous = 0;
    for (const auto& v : values) {
        putVarint(out, v.uid - previous);
        previous = v.uid;
        putVarint(out, v.number ? 1 : 0);
        if (v.number) {
            auto n = static_cast<std::uint64_t>(*v.number);
            putVarint(out, (n << 1) ^ (*v.number < 0 ? ~std::uint64_t{0} : 0));
        }
        putVarint(out, v.bytes.size());
        out += v.bytes;
    }
    return out;
}

// Empty when `data` is damaged.
std::vector<CachedValue> decodeValues(std::string_view data) {
    std::vector<CachedValue> out;
    std::size_t pos = 0;
    std::uint64_t uid = 0;
    while (pos < data.size()) {
        std::uint64_t delta, tag, length;
        CachedValue v;
        if (!getVarint(data, pos, delta) || !getVarint(data, pos, tag)) return {};
        uid += delta;
        if (uid > UINT32_MAX || (delta == 0 && !out.empty())) return {};
        v.uid = static_cast<std::uint32_t>(uid);
        if (tag & 1) {
            std::uint64_t z;
            if (!getVarint(data, pos, z)) return {};
            v.number = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
        }
        if (!getVarint(data, pos, length) || length > data.size() - pos) return {};
        v.bytes.assign(data.substr(pos, length));
        pos += length;
        out.push_back(std::move(v));
    }
    return out;
}

}  // namespace

std::vector<CachedValue> Folder::cachedValues(std::uint32_t field) {
    std::string data;
    {
        auto lock = store_->lockDb();
        auto& q =
            store_->db().prepare("SELECT data FROM cached_values WHERE folder_id=?1 AND field=?2");
        q.bind(1, id_).bind(2, field);
        if (q.step()) {
            data = q.blob(0);
            q.reset();
        }
    }
    auto values = decodeValues(data);
    // Expunged messages' values stay in the row until it is next written.
    std::lock_guard l(mu_);
    const UidList& present = *state_.uids;
    std::erase_if(values, [&](const CachedValue& v) {
        return !std::binary_search(present.begin(), present.end(), v.uid);
    });
    return values;
}

std::vector<std::optional<std::string>> Folder::messageValues(std::uint32_t field,
                                                              const UidList& uids) {
    std::vector<std::optional<std::string>> out(uids.size());
    auto lock = store_->lockDb();
    forEachUidRow(
        store_->db(), id_, uids, "message_value", "data", " AND field=?4",
        [&](Statement& q) { q.bind(4, field); },
        [&](size_t i, const Statement& q) { out[i] = std::string(q.blob(1)); });
    return out;
}

void Folder::storeMessageValues(std::uint32_t field,
                                const std::vector<std::pair<std::uint32_t, std::string>>& values) {
    if (values.empty()) return;
    // Not a change clients see, and only for rows the index has in any process (below).
    write(WriteOptions::bare(), [&](WriteScope& w) {
        auto& db = w.db();
        // Only for messages the index has (now, in every process): a message expunged
        // meanwhile leaves no row behind. While a first index's rows are pending, every
        // message of the folder is one of them or a row (expunging inserts them first).
        auto& q = db.prepare(
            "INSERT OR REPLACE INTO message_value(folder_id, uid, field, data) "
            "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS "
            "(SELECT 1 FROM message WHERE folder_id=?1 AND uid=?2) OR EXISTS "
            "(SELECT 1 FROM pending_rows WHERE folder_id=?1)");
        for (const auto& [uid, data] : values)
            q.bind(1, id_).bind(2, uid).bind(3, field).bindBlob(4, data).run();
    });
}

void Folder::storeCachedValues(std::uint32_t field, std::vector<CachedValue> values) {
    std::sort(values.begin(), values.end(),
              [](const CachedValue& a, const CachedValue& b) { return a.uid < b.uid; });
    // Current with every process, so that the values of messages gone meanwhile are left
    // out, and what another process stored since we read is kept.
    write({.finishStores = false, .insertPending = false}, [&](WriteScope& w) {
        auto& db = w.db();
        auto& q = db.prepare("SELECT data FROM cached_values WHERE folder_id=?1 AND field=?2");
        q.bind(1, id_).bind(2, field);
        std::vector<CachedValue> old;
        if (q.step()) {
            old = decodeValues(q.blob(0));
            q.reset();
        }
        std::vector<CachedValue> merged;
        merged.reserve(old.size() + values.size());
        {
            std::lock_guard l(mu_);
            const UidList& present = *state_.uids;
            auto keep = [&](CachedValue&& v) {
                if (std::binary_search(present.begin(), present.end(), v.uid) &&
                    (merged.empty() || merged.back().uid != v.uid))
                    merged.push_back(std::move(v));
            };
            std::size_t i = 0, j = 0;
            while (i < values.size() || j < old.size()) {
                if (j == old.size() || (i < values.size() && values[i].uid <= old[j].uid)) {
                    if (j < old.size() && old[j].uid == values[i].uid) ++j;  // replaced
                    keep(std::move(values[i++]));
                } else {
                    keep(std::move(old[j++]));
                }
            }
        }
        db.prepare(
              "INSERT OR REPLACE INTO cached_values(folder_id, field, data) VALUES(?1, ?2, ?3)")
            .bind(1, id_)
            .bind(2, field)
            .bindBlob(3, encodeValues(merged))
            .run();
    });
}

}  // namespace maildex::index
