// Folder: finding a message's file. The index keeps the name each file had when it last
// looked (base name, new/ or cur/, info part), but another program may have renamed it
// since (a mail reader setting a flag renames the file), so a name that is no longer there
// is looked for by its base name, the part of a Maildir name that never changes.
// Reading many files in a row takes their last known names in one query instead
// (Folder::lastKnownPaths, in folder_cache.cpp beside the other batched reads).

#include <sys/stat.h>

#include "index/error.h"
#include "index/file_util.h"
#include "index/folder.h"
#include "index/mailstore.h"
#include "index/sqlite.h"

namespace maildex::index {

std::optional<std::string> Folder::locateByBase(const std::string& base) {
    auto d = dir();
    for (const char* sub : {"cur", "new"}) {
        for (const auto& name : listDirectory(d / sub, true)) {
            if (name.compare(0, base.size(), base) == 0 &&
                (name.size() == base.size() || name[base.size()] == ':'))
                return (d / sub / name).string();
        }
    }
    return std::nullopt;
}

std::optional<std::string> Folder::currentPathLocked(Sqlite& db, std::uint32_t uid,
                                                     std::string* baseOut, struct stat* statOut) {
    struct stat ignored;
    struct stat& st = statOut ? *statOut : ignored;
    auto& q = db.prepare("SELECT base, in_new, info FROM message WHERE folder_id=?1 AND uid=?2");
    q.bind(1, id_).bind(2, uid);
    if (!q.step()) {
        // A message of a first index whose row is still pending (pending_rows.h).
        auto pending = pendingPath(uid);
        if (!pending) return std::nullopt;
        auto name = std::filesystem::path(*pending).filename().string();
        std::string base = name.substr(0, name.find(':'));
        if (baseOut) *baseOut = base;
        if (::stat(pending->c_str(), &st) == 0) return pending;
        auto found = locateByBase(base);
        if (found && ::stat(found->c_str(), &st) != 0) return std::nullopt;
        return found;
    }
    std::string base(q.text(0));
    bool inNew = q.integer(1) != 0;
    std::string name = base + (q.isNull(2) ? "" : ":" + std::string(q.text(2)));
    q.reset();
    if (baseOut) *baseOut = base;
    auto path = dir() / (inNew ? "new" : "cur") / name;
    if (::stat(path.c_str(), &st) == 0) return path.string();
    // Another program renamed it (a flag change) since we last looked.
    auto found = locateByBase(base);
    if (found && ::stat(found->c_str(), &st) != 0) return std::nullopt;
    return found;
}

std::optional<std::string> Folder::path(std::uint32_t uid) {
    auto lock = store_->lockDb();
    Transaction read(store_->db(), Transaction::Mode::Read);
    auto path = currentPathLocked(store_->db(), uid);
    read.commit();
    return path;
}

MessageFile Folder::file(std::uint32_t uid) {
    MessageFile mf;
    std::optional<std::int64_t> date, size, vsize;
    {
        auto lock = store_->lockDb();
        auto& db = store_->db();
        auto path = currentPathLocked(db, uid);
        if (!path)
            throw Error(ErrorKind::NotFound, "Message " + std::to_string(uid) + " was expunged");
        mf.path = *path;
        auto& q = db.prepare(
            "SELECT internaldate, size, vsize FROM message WHERE folder_id=?1 AND uid=?2");
        q.bind(1, id_).bind(2, uid);
        if (q.step()) {
            if (!q.isNull(0)) date = q.integer(0);
            if (!q.isNull(1)) size = q.integer(1);
            if (!q.isNull(2)) vsize = q.integer(2);
            q.reset();
        }
    }
    if (date && size && vsize) {
        mf.internalDate = *date;
        mf.size = static_cast<std::uint64_t>(*size);
        mf.vsize = static_cast<std::uint64_t>(*vsize);
        return mf;
    }
    // Computed once, outside the lock, then cached.
    struct stat st;
    if (::stat(mf.path.c_str(), &st) != 0)
        throw Error(ErrorKind::NotFound, "Message " + std::to_string(uid) + " was expunged");
    mf.internalDate = date.value_or(st.st_mtim.tv_sec);
    mf.size = static_cast<std::uint64_t>(size.value_or(st.st_size));
    if (vsize) {
        mf.vsize = static_cast<std::uint64_t>(*vsize);
    } else {
        auto sizes = measureFile(mf.path);
        if (!sizes)
            throw Error(ErrorKind::NotFound, "Message " + std::to_string(uid) + " was expunged");
        mf.vsize = sizes->vsize;
        mf.size = sizes->size;
    }
    write(WriteOptions::bare(), [&](WriteScope& w) {
        w.db()
            .prepare(
                "UPDATE message SET internaldate=?3, size=?4, vsize=?5 WHERE folder_id=?1 AND "
                "uid=?2")
            .bind(1, id_)
            .bind(2, uid)
            .bind(3, mf.internalDate)
            .bind(4, static_cast<std::int64_t>(mf.size))
            .bind(5, static_cast<std::int64_t>(mf.vsize))
            .run();
    });
    return mf;
}

}  // namespace maildex::index
