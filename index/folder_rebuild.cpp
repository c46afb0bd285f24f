// Folder::rebuild and Folder::writeMirrors: the index of a folder made from the
// Courier-format files, and those files made from the index. See folder_rebuild.h for
// why the rebuild works inside the database instead of replacing it.

#include "index/folder_rebuild.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_map>

#include "index/error.h"
#include "index/file_util.h"
#include "index/keyword_table.h"
#include "index/maildir_name.h"
#include "index/mailstore.h"
#include "index/message_rows.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {

struct IndexRow {
    std::string base;
    bool inNew = false;
    std::string info;
    bool hasInfo = false;
    SystemFlags flags = 0;
    std::string keywords;  // KeywordTable::encode form
};

// Other processes with the folder open learn of index changes from inotify events on
// new/, cur/ or courierimapkeywords/ (watcher.cpp), since every ordinary writer changes
// one of those. A rebuild may change only rows (a keyword the index had lost and the
// mirror still has), so it makes an event: a scratch file in courierimapkeywords/ named
// as Courier's own scratch files are (".tmp.<time>..."), which every reader skips,
// created and removed at once.
void nudgeWatchers(const std::filesystem::path& folderDir) {
    auto dir = folderDir / "courierimapkeywords";
    ::mkdir(dir.c_str(), 0700);
    auto path = dir / (".tmp." + std::to_string(::time(nullptr)) + uniqueTmpName("rebuilt"));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return;  // only a hint; the next poll finds the change anyway
    ::close(fd);
    ::unlink(path.c_str());
}

}  // namespace

// One rebuild, as the steps Folder::rebuild runs in order inside one write scope. The
// members carry what a step leaves for the later ones.
struct Folder::Rebuild {
    Folder& folder;
    Sqlite& db;
    const RebuildOptions& options;
    RebuildResult& result;
    std::filesystem::path dir;
    std::int64_t id;

    // mtimes before listing, as a full scan records them (folder_scan.cpp).
    std::int64_t newMtime = 0, curMtime = 0;
    FolderPlanInput in;
    CourierKeywords keywordMirror;
    std::vector<std::string> keywordWarnings;
    std::unordered_map<std::uint32_t, IndexRow> rows;  // the index's, by UID; each one the
                                                       // plan keeps is taken out
    std::uint64_t modseq = 0;                          // 0 until something changes
    std::uint32_t uidValidity = 0, uidNext = 0;        // what the folder row ends with
    // Keyword ids stay what they are (other processes hold them); new names get the next
    // ids.
    std::unordered_map<std::string, std::uint32_t> keywordIds;  // by folded name
    std::unordered_map<std::uint32_t, std::string> keywordNames;
    // The keyword state the index ends with, by base name, to compare with the mirror.
    CourierKeywordMap finalKeywords;

    Rebuild(Folder& f, Sqlite& d, const RebuildOptions& o, RebuildResult& r)
        : folder(f), db(d), options(o), result(r), dir(f.dir()), id(f.id_) {}

    void run() {
        if (mtimeNs(dir / "cur") == 0)
            throw Error(ErrorKind::NotFound,
                        "Folder '" + folder.name_ + "' no longer exists on disk");
        newMtime = mtimeNs(dir / "new");
        curMtime = mtimeNs(dir / "cur");
        readCourierFiles();
        readIndex();
        listFiles();
        result.plan = planFolder(in);
        uidValidity = in.indexUidValidity;
        renumberOnNewUidValidity();
        readKeywordIds();
        applyPlanToRows();
        updateFolderRow();
        rewriteMirrors();
    }

    void bump() {
        if (modseq == 0) modseq = folder.bumpModseqLocked(db);
    }

    // courierimapuiddb and courierimapkeywords/, with what is damaged in them as warnings.
    void readCourierFiles() {
        std::vector<std::string> w;
        in.uidDb = readCourierUidDb(dir, &w);
        for (auto& s : w)
            result.warnings.push_back((dir / "courierimapuiddb").string() + ": " + s);
        keywordMirror = readCourierKeywords(dir, &keywordWarnings);
        for (auto& s : keywordWarnings)
            result.warnings.push_back((dir / "courierimapkeywords").string() + "/" + s);
    }

    // The index's rows and folder row; the keywords the plan takes come from the mirror
    // unless it was lost.
    void readIndex() {
        bool indexHasKeywords = false;
        auto& q = db.prepare(
            "SELECT uid, base, in_new, info, flags, keywords FROM message WHERE "
            "folder_id=?1");
        q.bind(1, id);
        while (q.step()) {
            IndexRow r{std::string(q.text(1)),
                       q.integer(2) != 0,
                       std::string(q.text(3)),
                       !q.isNull(3),
                       static_cast<SystemFlags>(q.integer(4)),
                       std::string(q.text(5))};
            indexHasKeywords = indexHasKeywords || !r.keywords.empty();
            in.indexUids.emplace(r.base, static_cast<std::uint32_t>(q.integer(0)));
            rows.emplace(static_cast<std::uint32_t>(q.integer(0)), std::move(r));
        }
        auto& f = db.prepare("SELECT uidvalidity, uidnext FROM folder WHERE id=?1");
        f.bind(1, id);
        if (!f.step()) throw Error(ErrorKind::NotFound, "Folder '" + folder.name_ + "' is gone");
        in.indexUidValidity = static_cast<std::uint32_t>(f.integer(0));
        in.indexUidNext = static_cast<std::uint32_t>(f.integer(1));
        f.reset();
        // An empty or missing courierimapkeywords/ says nothing when the index has
        // keywords (Maildex always writes :list for them): it was lost, not emptied.
        bool keywordMirrorPresent = !keywordMirror.byBase.empty() ||
                                    !keywordMirror.updateFiles.empty() ||
                                    std::filesystem::exists(dir / "courierimapkeywords" / ":list");
        if (keywordMirrorPresent || !indexHasKeywords) in.keywords = keywordMirror.byBase;
    }

    // new/ and cur/, listed twice when a file the index or the uiddb names is missing
    // (see folder_scan.cpp on readdir).
    void listFiles() {
        in.files = listMessageFiles(dir);
        auto missing = [&](const std::string& base) { return !in.files.count(base); };
        bool anyMissing = std::any_of(in.indexUids.begin(), in.indexUids.end(),
                                      [&](const auto& e) { return missing(e.first); });
        if (!anyMissing && in.uidDb)
            anyMissing = std::any_of(in.uidDb->entries.begin(), in.uidDb->entries.end(),
                                     [&](const auto& e) { return missing(e.second); });
        if (anyMissing) addMessageFiles(dir, in.files);
    }

    void renumberOnNewUidValidity() {
        const FolderPlan& plan = result.plan;
        if (plan.uidValidity == 0 || plan.uidValidity == in.indexUidValidity) return;
        // Another numbering: nothing of the index's rows holds under it.
        bump();
        for (const char* sql :
             {"DELETE FROM message WHERE folder_id=?1", "DELETE FROM expunged WHERE folder_id=?1",
              "DELETE FROM keyword WHERE folder_id=?1"})
            db.prepare(sql).bind(1, id).run();
        rows.clear();
        uidValidity = plan.uidValidity;
        result.uidValidityChanged = true;
    }

    void readKeywordIds() {
        auto& k = db.prepare("SELECT id, name FROM keyword WHERE folder_id=?1");
        k.bind(1, id);
        while (k.step()) {
            auto kid = static_cast<std::uint32_t>(k.integer(0));
            keywordIds.emplace(foldKeyword(k.text(1)), kid);
            keywordNames.emplace(kid, std::string(k.text(1)));
        }
    }

    std::uint32_t keywordId(const std::string& name) {
        auto folded = foldKeyword(name);
        auto it = keywordIds.find(folded);
        if (it != keywordIds.end()) return it->second;
        auto kid = folder.keywordIdLocked(db, name);
        keywordIds.emplace(folded, kid);
        keywordNames.emplace(kid, name);
        return kid;
    }

    // The keywords (KeywordTable::encode form) the plan gives a message: its own when the
    // plan knows them, else what the index's row for the same file has.
    std::string keywordsOf(const PlannedMessage& m, const IndexRow* sameFile) {
        if (result.plan.keywordsKnown) {
            KeywordIds ids;
            for (const auto& name : m.keywords)
                ids.push_back(keywordId(name));
            std::sort(ids.begin(), ids.end());
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            return KeywordTable::encode(ids);
        }
        return sameFile ? sameFile->keywords : std::string();
    }

    // Every planned message: its row updated when the index has it for the same file,
    // else inserted (a row the index had for the UID and another file is expunged first);
    // rows the plan does not keep are expunged.
    void applyPlanToRows() {
        auto& update = db.prepare(
            "UPDATE message SET in_new=?3, info=?4, flags=?5, keywords=?6, modseq=?7 "
            "WHERE folder_id=?1 AND uid=?2");
        auto& updateName =
            db.prepare("UPDATE message SET in_new=?3, info=?4 WHERE folder_id=?1 AND uid=?2");
        MessageRowWriter inserted(db, id);
        auto& unexpunge = db.prepare("DELETE FROM expunged WHERE folder_id=?1 AND uid=?2");
        auto bindInfo = [](Statement& s, int index, const FileSeen& seen) {
            if (seen.hasInfo)
                s.bindView(index, seen.info);
            else
                s.bindNull(index);
        };

        for (const auto& m : result.plan.messages) {
            auto row = rows.find(m.uid);
            bool sameFile = row != rows.end() && row->second.base == m.base;
            std::string keywords = keywordsOf(m, sameFile ? &row->second : nullptr);
            if (!keywords.empty()) {
                auto& set = finalKeywords[m.base];
                for (auto kid : KeywordTable::decode(keywords))
                    set.insert(keywordNames[kid]);
            }
            if (sameFile) {
                const IndexRow& r = row->second;
                bool nameChanged =
                    r.inNew != m.seen.inNew || r.info != m.seen.info || r.hasInfo != m.seen.hasInfo;
                if (r.flags != m.flags || r.keywords != keywords) {
                    bump();
                    update.bind(1, id).bind(2, m.uid).bind(3, m.seen.inNew ? 1 : 0);
                    bindInfo(update, 4, m.seen);
                    update.bind(5, m.flags)
                        .bind(6, keywords)
                        .bind(7, static_cast<std::int64_t>(modseq))
                        .run();
                    ++result.changed;
                } else if (nameChanged) {
                    updateName.bind(1, id).bind(2, m.uid).bind(3, m.seen.inNew ? 1 : 0);
                    bindInfo(updateName, 4, m.seen);
                    updateName.run();
                }
                rows.erase(row);
                continue;
            }
            if (row != rows.end()) {
                // The index gave this UID to another file; the uiddb wins (the rebuild's
                // purpose), and sessions are told the old message is gone.
                folder.expungeRowLocked(db, m.uid, modseq);
                rows.erase(row);
                ++result.reassigned;
            }
            bump();
            unexpunge.bind(1, id).bind(2, m.uid).run();
            inserted.add(newRow(m, keywords));
            ++result.added;
        }
        inserted.flush();
        for (const auto& [uid, row] : rows) {
            folder.expungeRowLocked(db, uid, modseq);
            ++result.removed;
        }
    }

    MessageRow newRow(const PlannedMessage& m, const std::string& keywords) const {
        MessageRow added;
        added.uid = m.uid;
        added.base = m.base;
        added.inNew = m.seen.inNew;
        if (m.seen.hasInfo) added.info = m.seen.info;
        added.flags = m.flags;
        added.keywords = keywords;
        added.modseq = modseq;
        if (auto size = sizeField(m.base, 'S')) added.size = static_cast<std::int64_t>(*size);
        if (auto vsize = sizeField(m.base, 'W')) added.vsize = static_cast<std::int64_t>(*vsize);
        return added;
    }

    void updateFolderRow() {
        uidNext = std::max(result.plan.uidNext,
                           result.uidValidityChanged ? std::uint32_t{1} : in.indexUidNext);
        db.prepare(
              "UPDATE folder SET uidvalidity=?2, uidnext=?3, new_mtime=?4, cur_mtime=?5, "
              "recent_uid=CASE WHEN ?6 THEN ?3 ELSE recent_uid END WHERE id=?1")
            .bind(1, id)
            .bind(2, uidValidity)
            .bind(3, uidNext)
            .bind(4, trustworthyMtime(newMtime))
            .bind(5, trustworthyMtime(curMtime))
            .bind(6, options.clearRecent ? 1 : 0)
            .run();
    }

    // The mirror files: rewritten only where they do not already say what the index now
    // holds, so a migration leaves Courier's own files alone when they are right.
    void rewriteMirrors() {
        const FolderPlan& plan = result.plan;
        std::vector<std::pair<std::uint32_t, std::string>> want;
        want.reserve(plan.messages.size());
        for (const auto& m : plan.messages)
            want.emplace_back(m.uid, m.base);
        bool uidDbRight =
            in.uidDb && in.uidDb->uidValidity == uidValidity && in.uidDb->nextUid == uidNext;
        if (uidDbRight) {
            auto have = in.uidDb->entries;
            std::sort(have.begin(), have.end());
            uidDbRight = have == want;
        }
        for (const auto& w : result.warnings)
            if (w.rfind((dir / "courierimapuiddb").string(), 0) == 0) uidDbRight = false;
        if (!uidDbRight) {
            folder.writeUidMirrorLocked(db, {});
            result.uidDbRewritten = true;
        }
        std::vector<std::string> bases;
        bases.reserve(plan.messages.size());
        for (const auto& m : plan.messages)
            bases.push_back(m.base);
        if (!keywordWarnings.empty() ||
            foldCourierKeywordCase(keywordMirror.byBase, bases) != finalKeywords) {
            folder.rewriteKeywordMirrorLocked(db);
            result.keywordsRewritten = true;
        }
    }
};

RebuildResult Folder::rebuild(const RebuildOptions& options) {
    RebuildResult result;
    write({}, [&](WriteScope& w) {
        Rebuild rebuild(*this, w.db(), options, result);
        rebuild.run();
        if (rebuild.modseq != 0) w.afterCommit([d = rebuild.dir] { nudgeWatchers(d); });
    });
    return result;
}

void Folder::writeMirrors() {
    write({}, [&](WriteScope& w) {
        auto& db = w.db();
        // A courierimapuiddb of the same UIDVALIDITY whose next UID is ahead of the index's
        // tells of UIDs handed out before (by Courier, or before the index was lost): the
        // index takes that next UID rather than the file losing it.
        if (auto old = readCourierUidDb(dir())) {
            auto& f = db.prepare("SELECT uidvalidity, uidnext FROM folder WHERE id=?1");
            f.bind(1, id_);
            if (f.step()) {
                auto validity = static_cast<std::uint32_t>(f.integer(0));
                auto next = static_cast<std::uint32_t>(f.integer(1));
                f.reset();
                if (validity == old->uidValidity && old->nextUid > next)
                    db.prepare("UPDATE folder SET uidnext=?2 WHERE id=?1")
                        .bind(1, id_)
                        .bind(2, old->nextUid)
                        .run();
            }
        }
        writeUidMirrorLocked(db, {});
        rewriteKeywordMirrorLocked(db);
    });
}

}  // namespace maildex::index
