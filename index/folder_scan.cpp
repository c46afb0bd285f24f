// Folder: bringing the index in line with the files.
//
// The files are the truth for which messages exist and for their flags; the index adds
// what the files cannot hold (UIDs, keywords, modseqs). What makes this hard:
//
// - mtime granularity. A quick check compares the mtimes of new/ and cur/ with those
//   seen at the last full scan and skips the scan when they are equal. A directory can
//   change twice within one mtime tick, the second change after our listing, and the
//   mtime would not move. So an mtime that is less than 2 s old when we list is
//   not recorded (0 is stored, forcing the next check to scan). When the quick check
//   may skip the mtimes altogether (inotify), see folder_sync.cpp.
// - readdir and renames. A file renamed while we list a directory (a flag change by
//   another program) can be missed under both names. A message is therefore expunged only
//   when it is missing from two listings, the second made after the first finished.
// - Crashes. Writers change the files first and commit the index second, inside one
//   transaction. A crash between the two leaves a file the index does not know (the next
//   scan numbers it: nothing is lost) or a row whose file is gone (the next scan expunges
//   it, which is what happened). The UIDs of numbered files are also in
//   courierimapuiddb, so a lost or deleted index gives the same UIDs back. Writers that
//   place files (APPEND, COPY, MOVE) put their keywords into courierimapkeywords/ before
//   the files, so the numbering takes them from there (folder_ops.cpp). A STORE's flags
//   and keywords are finished together from its intent before any scan looks at the
//   files (store_journal.cpp).
// - new/ and cur/. An MDA delivers into new/; a read-write session moves files to cur/
//   (adding ":2,"), which is where flags can be stored. If the same base name is found in
//   both (a move interrupted between link and unlink), the cur/ one is the message.

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/log.h"
#include "index/courier_keywords.h"
#include "index/courier_uiddb.h"
#include "index/crash_point.h"
#include "index/error.h"
#include "index/file_util.h"
#include "index/folder.h"
#include "index/mailbox_view.h"
#include "index/maildir_name.h"
#include "index/mailstore.h"
#include "index/message_rows.h"
#include "index/pending_rows.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {

FileSeen seenFrom(bool inNew, const std::string& name) {
    auto colon = name.find(':');
    return {inNew, colon == std::string::npos ? "" : name.substr(colon + 1),
            colon != std::string::npos};
}

// Splits an entry name into its base (left in `name`) and what the scan keeps of it.
FileSeen splitEntry(bool inNew, std::string& name) {
    FileSeen seen = seenFrom(inNew, name);
    if (seen.hasInfo) name.resize(name.find(':'));
    return seen;
}

// Every entry of new/ and cur/, new/ first; a base name may be there twice.
std::vector<std::pair<std::string, FileSeen>> listEntries(const std::filesystem::path& dir) {
    std::vector<std::pair<std::string, FileSeen>> out;
    auto fresh = listDirectory(dir / "new", true);
    auto cur = listDirectory(dir / "cur", true);
    out.reserve(fresh.size() + cur.size());
    for (auto* names : {&fresh, &cur}) {
        for (auto& name : *names) {
            FileSeen seen = splitEntry(names == &fresh, name);
            out.emplace_back(std::move(name), std::move(seen));
        }
    }
    return out;
}

void listInto(const std::filesystem::path& dir, std::unordered_map<std::string, FileSeen>& files) {
    auto fresh = listDirectory(dir / "new", true);
    auto cur = listDirectory(dir / "cur", true);
    files.reserve(files.size() + fresh.size() + cur.size());
    for (auto& name : fresh) {
        FileSeen seen = splitEntry(true, name);
        auto [it, inserted] = files.try_emplace(std::move(name));
        if (!inserted && !it->second.inNew) continue;  // cur/ wins
        it->second = std::move(seen);
    }
    for (auto& name : cur) {
        FileSeen seen = splitEntry(false, name);
        files.insert_or_assign(std::move(name), std::move(seen));
    }
}

}  // namespace

void Folder::fullScanLocked(Sqlite& db) {
    auto d = dir();
    if (mtimeNs(d / "cur") == 0)
        throw Error(ErrorKind::NotFound, "Folder '" + name_ + "' no longer exists on disk");
    // mtimes before listing: a change during the listing makes them differ next time.
    std::int64_t newMtime = mtimeNs(d / "new"), curMtime = mtimeNs(d / "cur");

    struct Known {
        std::uint32_t uid;
        bool inNew;
        std::string info;
        bool hasInfo;
        SystemFlags flags;
    };
    std::unordered_map<std::string, Known> known;
    {
        auto& q =
            db.prepare("SELECT uid, base, in_new, info, flags FROM message WHERE folder_id=?1");
        q.bind(1, id_);
        while (q.step())
            known.emplace(std::string(q.text(1)),
                          Known{static_cast<std::uint32_t>(q.integer(0)), q.integer(2) != 0,
                                std::string(q.text(3)), !q.isNull(3),
                                static_cast<SystemFlags>(q.integer(4))});
    }
    // Pending rows (pending_rows.h) are known messages too. They are written as rows only
    // if this scan has something to change: the scan that follows a first index when the
    // directories' mtimes were too recent to trust usually has not.
    auto pending = readPendingLocked(db);
    if (pending)
        for (const auto& r : *pending->rows)
            if (r.uid >= pending->doneBelow)
                known.emplace(r.base, Known{r.uid, r.inNew, r.info.value_or(""), r.info.has_value(),
                                            r.flags});

    std::unordered_map<std::string, FileSeen> files;
    std::vector<std::pair<std::string, FileSeen>> fresh;
    if (known.empty()) {
        // Nothing to compare with (a first index): the names go to numbering as listed,
        // which drops a base name listed twice once its sort puts them side by side.
        fresh = listEntries(d);
    } else {
        files.reserve(known.size() + 16);
        listInto(d, files);
    }
    bool anyMissing = std::any_of(known.begin(), known.end(),
                                  [&](const auto& k) { return !files.count(k.first); });
    if (anyMissing) {
        // Second listing (see the top of this file); the union of both is what exists.
        std::unordered_map<std::string, FileSeen> again;
        listInto(d, again);
        for (auto& [base, f] : again)
            files[base] = std::move(f);
    }

    if (pending) {
        bool changes = anyMissing || files.size() != known.size() ||
                       std::any_of(known.begin(), known.end(), [&](const auto& k) {
                           const FileSeen& f = files.find(k.first)->second;
                           return f.inNew != k.second.inNew || f.info != k.second.info ||
                                  f.hasInfo != k.second.hasInfo;
                       });
        if (changes) insertPendingRowsLocked(db);  // the same messages, as rows now
    }

    std::uint64_t modseq = 0;
    for (const auto& [base, k] : known) {
        auto it = files.find(base);
        if (it == files.end()) {
            expungeRowLocked(db, k.uid, modseq);
            continue;
        }
        const FileSeen& f = it->second;
        if (f.inNew != k.inNew || f.info != k.info || f.hasInfo != k.hasInfo)
            updateFromFileLocked(db, k.uid, k.flags, base, f, modseq);
        files.erase(it);
    }

    // What is left in `files` is unknown to the index: number it. UIDs Courier (or our
    // own mirror, if the index was lost) gave these files are reused.
    fresh.reserve(fresh.size() + files.size());
    while (!files.empty()) {  // moved out, not copied
        auto node = files.extract(files.begin());
        fresh.emplace_back(std::move(node.key()), std::move(node.mapped()));
    }
    if (!fresh.empty()) {
        std::unordered_map<std::string, std::uint32_t> mirrored;
        if (auto uiddb = readCourierUidDb(d)) mirrored = uiddb->byBase();
        numberNewFilesLocked(db, std::move(fresh), mirrored, modseq, true);
    } else if (modseq != 0 || !std::filesystem::exists(d / "courierimapuiddb")) {
        // Expunged entries may go; a missing mirror is rewritten.
        writeUidMirrorLocked(db, {});
    }

    if (pendingKeywordFiles_ > 0) rewriteKeywordMirrorLocked(db);
    db.prepare("UPDATE folder SET new_mtime=?2, cur_mtime=?3 WHERE id=?1")
        .bind(1, id_)
        .bind(2, trustworthyMtime(newMtime))
        .bind(3, trustworthyMtime(curMtime))
        .run();
    // Before the commit: should it fail, the next quick sync still compares with the row.
    syncedNewMtime_ = trustworthyMtime(newMtime);
    syncedCurMtime_ = trustworthyMtime(curMtime);
}

void Folder::cleanTmp(bool firstUse) {
    // Hourly is plenty: a stranger's file may go after 36 hours, and what a dead Maildex
    // process left costs only disk space meanwhile. At first use (a restart, say) at once.
    constexpr std::int64_t kEverySeconds = 3600;
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count() +
               1;
    auto last = tmpCleanedAt_.load(std::memory_order_relaxed);
    if (!firstUse && last != 0 && now - last < kEverySeconds) return;
    if (!tmpCleanedAt_.compare_exchange_strong(last, now)) return;  // another thread does it
    cleanJournal();
    if (auto removed = cleanTmpDirectory(dir(), ::time(nullptr)))
        log::info("folder '" + name_ + "': removed " + std::to_string(removed) +
                  " abandoned file(s) from tmp/");
}

void Folder::updateFromFileLocked(Sqlite& db, std::uint32_t uid, SystemFlags oldFlags,
                                  const std::string& base, const FileSeen& seen,
                                  std::uint64_t& modseq) {
    SystemFlags flags = MaildirName::parse(base + (seen.hasInfo ? ":" + seen.info : "")).flags();
    if (flags != oldFlags && modseq == 0) modseq = bumpModseqLocked(db);
    auto& u =
        flags != oldFlags
            ? db.prepare(
                  "UPDATE message SET in_new=?3, info=?4, flags=?5, modseq=?6 "
                  "WHERE folder_id=?1 AND uid=?2")
            : db.prepare("UPDATE message SET in_new=?3, info=?4 WHERE folder_id=?1 AND uid=?2");
    u.bind(1, id_).bind(2, uid).bind(3, seen.inNew ? 1 : 0);
    if (seen.hasInfo)
        u.bind(4, seen.info);
    else
        u.bindNull(4);
    if (flags != oldFlags) u.bind(5, flags).bind(6, static_cast<std::int64_t>(modseq));
    u.run();
}

void Folder::expungeRowLocked(Sqlite& db, std::uint32_t uid, std::uint64_t& modseq) {
    if (modseq == 0) modseq = bumpModseqLocked(db);
    db.prepare("DELETE FROM message WHERE folder_id=?1 AND uid=?2").bind(1, id_).bind(2, uid).run();
    db.prepare("INSERT OR REPLACE INTO expunged(folder_id, uid, modseq) VALUES(?1,?2,?3)")
        .bind(1, id_)
        .bind(2, uid)
        .bind(3, static_cast<std::int64_t>(modseq))
        .run();
}

void Folder::numberNewFilesLocked(Sqlite& db, std::vector<std::pair<std::string, FileSeen>> fresh,
                                  const std::unordered_map<std::string, std::uint32_t>& mirrored,
                                  std::uint64_t& modseq, bool keywordsFromMirror) {
    if (fresh.empty()) return;
    {
        std::vector<std::pair<DeliveryOrderKey, size_t>> order;
        order.reserve(fresh.size());
        for (size_t i = 0; i < fresh.size(); ++i)
            order.emplace_back(deliveryOrderKey(fresh[i].first), i);
        std::sort(order.begin(), order.end());
        std::vector<std::pair<std::string, FileSeen>> sorted;
        sorted.reserve(fresh.size());
        for (const auto& [key, i] : order) {
            // One base name twice (in new/ and cur/ when a move was cut short, or twice in
            // cur/ during a rename) is one message: the cur/ file, else the first.
            if (!sorted.empty() && sorted.back().first == fresh[i].first) {
                if (sorted.back().second.inNew && !fresh[i].second.inNew)
                    sorted.back() = std::move(fresh[i]);
                continue;
            }
            sorted.push_back(std::move(fresh[i]));
        }
        fresh = std::move(sorted);
    }
    if (modseq == 0) modseq = bumpModseqLocked(db);
    auto& any = db.prepare("SELECT 1 FROM message WHERE folder_id=?1 LIMIT 1");
    any.bind(1, id_);
    bool firstRows = !any.step();
    any.reset();
    auto& f = db.prepare("SELECT uidnext FROM folder WHERE id=?1");
    f.bind(1, id_);
    f.step();
    auto uidNext = static_cast<std::uint32_t>(f.integer(0));
    f.reset();
    auto& used = db.prepare(
        "SELECT 1 FROM message WHERE folder_id=?1 AND uid=?2 UNION ALL "
        "SELECT 1 FROM expunged WHERE folder_id=?1 AND uid=?2");
    std::vector<MessageRow> rows;
    rows.reserve(fresh.size());
    bool anyInNew = false;
    // Each file is numbered once: its strings move into the row.
    auto insert = [&](std::uint32_t uid, std::pair<std::string, FileSeen>& file) {
        auto& [base, seen] = file;
        MessageRow row;
        row.uid = uid;
        row.flags = seen.hasInfo ? flagsOfInfo(seen.info) : 0;
        row.base = std::move(base);
        row.inNew = seen.inNew;
        if (seen.hasInfo) row.info = std::move(seen.info);
        row.modseq = modseq;
        if (auto size = sizeField(row.base, 'S')) row.size = static_cast<std::int64_t>(*size);
        if (auto vsize = sizeField(row.base, 'W')) row.vsize = static_cast<std::int64_t>(*vsize);
        anyInNew |= seen.inNew;
        rows.push_back(std::move(row));
    };
    std::vector<std::pair<std::string, FileSeen>*> unnumbered;
    std::unordered_set<std::uint32_t> mirroredHere;
    for (auto& file : fresh) {
        auto it = mirrored.find(file.first);
        if (it != mirrored.end()) {
            used.bind(1, id_).bind(2, it->second);
            bool taken = used.step();
            used.reset();
            // A damaged mirror may give two files one UID; the first file's row is still
            // in `rows`, not yet where `used` looks.
            if (!taken) taken = !mirroredHere.insert(it->second).second;
            if (!taken) {
                insert(it->second, file);
                uidNext = std::max(uidNext, it->second + 1);
                continue;
            }
        }
        unnumbered.push_back(&file);
    }
    for (auto* file : unnumbered)
        insert(uidNext++, *file);
    db.prepare("UPDATE folder SET uidnext=?2 WHERE id=?1").bind(1, id_).bind(2, uidNext).run();
    auto byUid = [](const MessageRow& a, const MessageRow& b) { return a.uid < b.uid; };
    if (!std::is_sorted(rows.begin(), rows.end(), byUid))  // only mirrored UIDs may be out of order
        std::sort(rows.begin(), rows.end(), byUid);
    if (keywordsFromMirror && std::filesystem::exists(dir() / "courierimapkeywords")) {
        // The keywords Courier's merge rules give each file (section 4 of the format
        // notes); names fold case-insensitively onto the first spelling, in UID order.
        auto mirror = readCourierKeywords(dir());
        for (auto& row : rows) {
            auto it = mirror.byBase.find(row.base);
            if (it == mirror.byBase.end() || it->second.empty()) continue;
            KeywordIds ids;
            for (const auto& name : it->second)
                ids.push_back(keywordIdLocked(db, name));
            std::sort(ids.begin(), ids.end());
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            row.keywords = KeywordTable::encode(ids);
        }
    }
    std::vector<std::pair<std::uint32_t, std::string>> assigned;
    assigned.reserve(rows.size());
    for (const auto& row : rows) {
        assigned.emplace_back(row.uid, row.base);
        pendingRecent_.push_back(row.uid);
    }
    // A large folder seen for the first time: its rows wait in one value (pending_rows.h)
    // for a background task. Not when files are in new/: a read-write SELECT moves them
    // at once, which needs their rows.
    std::size_t pendingFrom = store_->pendingRowsFrom_;
    if (firstRows && pendingFrom != 0 && rows.size() >= pendingFrom && !anyInNew) {
        db.prepare("INSERT INTO pending_rows(folder_id, modseq, data) VALUES(?1,?2,?3)")
            .bind(1, id_)
            .bind(2, static_cast<std::int64_t>(modseq))
            .bindBlob(3, encodePendingRows(rows))
            .run();
        insertPendingSoon_ = true;
        // What readPendingLocked would decode from the value; dropped there should the
        // transaction not commit.
        std::lock_guard lock(mu_);
        pending_ = std::make_shared<const std::vector<MessageRow>>(std::move(rows));
        pendingModseq_ = modseq;
    } else {
        MessageRowWriter writer(db, id_);
        for (auto& row : rows)
            writer.add(std::move(row));
        writer.flush();
    }
    std::sort(pendingRecent_.begin(), pendingRecent_.end());
    if (firstRows)
        writeUidMirrorLocked(db, assigned, true);
    else
        writeUidMirrorLocked(db, mirrored.empty() ? assigned : decltype(assigned){});
}

void Folder::syncNames(const std::vector<std::string>& newNames,
                       const std::vector<std::string>& curNames) {
    // Every name of a message that changed, grouped by base name: the message is whatever
    // file of it exists now (cur/ before new/), whichever event came first.
    std::map<std::string, std::vector<std::pair<bool, std::string>>> byBase;
    for (const auto& n : curNames)
        byBase[n.substr(0, n.find(':'))].emplace_back(false, n);
    for (const auto& n : newNames)
        byBase[n.substr(0, n.find(':'))].emplace_back(true, n);

    bool insertPending = false;
    write({}, [&](WriteScope& w) {
        auto& db = w.db();
        auto d = dir();
        std::uint64_t modseq = 0;
        std::vector<std::pair<std::string, FileSeen>> fresh;
        struct Missing {
            std::uint32_t uid;
            SystemFlags flags;
            std::string base;
        };
        std::vector<Missing> missing;
        auto& q = db.prepare(
            "SELECT uid, in_new, info, flags FROM message INDEXED BY message_by_base "
            "WHERE folder_id=?1 AND base_key=?3 AND base=?2");
        for (auto& [base, names] : byBase) {
            q.bind(1, id_).bind(2, base).bind(3, baseNameKey(base));
            std::optional<std::uint32_t> uid;
            FileSeen known;
            SystemFlags flags = 0;
            if (q.step()) {
                uid = static_cast<std::uint32_t>(q.integer(0));
                known = {q.integer(1) != 0, std::string(q.text(2)), !q.isNull(2)};
                flags = static_cast<SystemFlags>(q.integer(3));
                q.reset();
                names.emplace_back(known.inNew, base + (known.hasInfo ? ":" + known.info : ""));
            }
            std::stable_sort(names.begin(), names.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            std::optional<FileSeen> found;
            for (const auto& [inNew, name] : names) {
                if (::access((d / (inNew ? "new" : "cur") / name).c_str(), F_OK) == 0) {
                    found = seenFrom(inNew, name);
                    break;
                }
            }
            if (!uid) {
                if (found) fresh.emplace_back(base, *found);
                continue;
            }
            if (!found) {
                missing.push_back({*uid, flags, base});
                continue;
            }
            if (found->inNew != known.inNew || found->info != known.info ||
                found->hasInfo != known.hasInfo)
                updateFromFileLocked(db, *uid, flags, base, *found, modseq);
        }
        // A message none of whose names exists was deleted, or renamed to a name no event
        // told us about yet: look for it before calling it expunged. Many at once (a
        // client emptying a folder) are cheaper found by one full scan.
        if (missing.size() > 8) {
            fullScanLocked(db);
        } else {
            for (const auto& m : missing) {
                if (auto path = locateByBase(m.base)) {
                    auto p = std::filesystem::path(*path);
                    updateFromFileLocked(
                        db, m.uid, m.flags, m.base,
                        seenFrom(p.parent_path().filename() == "new", p.filename().string()),
                        modseq);
                } else {
                    expungeRowLocked(db, m.uid, modseq);
                }
            }
            // A delivery lands in new/. A file unknown to the index in cur/ was most likely
            // placed by a Maildex process (APPEND, COPY, MOVE) that died before its commit:
            // its UID may be in courierimapuiddb already and its keywords are in
            // courierimapkeywords/ (written before the file), so it is numbered as a full
            // scan would. Reading the mirror is left to that case: it costs a delivery too
            // much.
            bool freshInCur = std::any_of(fresh.begin(), fresh.end(),
                                          [](const auto& f) { return !f.second.inNew; });
            std::unordered_map<std::string, std::uint32_t> mirrored;
            if (freshInCur) {
                if (auto uiddb = readCourierUidDb(d)) {
                    // Only these files' UIDs: with none, the mirror is appended to as usual.
                    std::unordered_set<std::string_view> bases;
                    for (const auto& f : fresh)
                        bases.insert(f.first);
                    for (auto& [uid, base] : uiddb->entries)
                        if (bases.count(base)) mirrored.emplace(std::move(base), uid);
                }
            }
            numberNewFilesLocked(db, std::move(fresh), mirrored, modseq, freshInCur);
        }
        bool readWrite;
        {
            std::lock_guard l(mu_);
            readWrite = !readWriteViews_.empty();
        }
        if (readWrite) moveNewToCurLocked(db);
        w.claimRecent(*this);
        w.afterCommit([&] { insertPending = std::exchange(insertPendingSoon_, false); });
    });
    if (insertPending) insertPendingRowsInBackground();
}

std::uint64_t Folder::bumpModseqLocked(Sqlite& db) {
    auto& q = db.prepare(
        "UPDATE folder SET highestmodseq=highestmodseq+1 WHERE id=?1 RETURNING highestmodseq");
    q.bind(1, id_);
    if (!q.step()) throw Error(ErrorKind::NotFound, "Folder '" + name_ + "' no longer exists");
    auto m = static_cast<std::uint64_t>(q.integer(0));
    q.reset();
    return m;
}

void Folder::moveNewToCurLocked(Sqlite& db) {
    auto d = dir();
    struct Pending {
        std::uint32_t uid;
        std::string base;
        std::string info;
        bool hasInfo;
    };
    std::vector<Pending> pending;
    auto& q = db.prepare(
        "SELECT uid, base, info FROM message INDEXED BY message_in_new "
        "WHERE folder_id=?1 AND in_new=1");
    q.bind(1, id_);
    while (q.step())
        pending.push_back({static_cast<std::uint32_t>(q.integer(0)), std::string(q.text(1)),
                           std::string(q.text(2)), !q.isNull(2)});
    auto& upd = db.prepare("UPDATE message SET in_new=0, info=?3 WHERE folder_id=?1 AND uid=?2");
    for (const auto& p : pending) {
        auto from = d / "new" / (p.base + (p.hasInfo ? ":" + p.info : ""));
        // An existing info part is kept; a bare name gets an empty one, as Courier does.
        std::string info = p.hasInfo ? p.info : "2,";
        auto to = d / "cur" / (p.base + ":" + info);
        if (::rename(from.c_str(), to.c_str()) != 0) {
            if (errno == ENOENT) continue;  // moved by someone else; the next scan sees where
            throwIo("Cannot move to cur/", from.string(), errno);
        }
        crashPoint("new-to-cur-after-rename");
        upd.bind(1, id_).bind(2, p.uid).bind(3, info).run();
    }
}

}  // namespace maildex::index
