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

RebuildResult Folder::rebuild(const RebuildOptions& options) {
    RebuildResult result;
    write({}, [&](WriteScope& w) {
        auto& db = w.db();
        auto d = dir();
        if (mtimeNs(d / "cur") == 0)
            throw Error(ErrorKind::NotFound, "Folder '" + name_ + "' no longer exists on disk");
        // mtimes before listing, as a full scan records them (folder_scan.cpp).
        std::int64_t newMtime = mtimeNs(d / "new"), curMtime = mtimeNs(d / "cur");

        FolderPlanInput in;
        {
            std::vector<std::string> w;
            in.uidDb = readCourierUidDb(d, &w);
            for (auto& s : w)
                result.warnings.push_back((d / "courierimapuiddb").string() + ": " + s);
        }
        std::vector<std::string> keywordWarnings;
        auto keywordMirror = readCourierKeywords(d, &keywordWarnings);
        for (auto& s : keywordWarnings)
            result.warnings.push_back((d / "courierimapkeywords").string() + "/" + s);
        // An empty or missing courierimapkeywords/ says nothing when the index has
        // keywords (Maildex always writes :list for them): it was lost, not emptied.
        bool keywordMirrorPresent = !keywordMirror.byBase.empty() ||
                                    !keywordMirror.updateFiles.empty() ||
                                    std::filesystem::exists(d / "courierimapkeywords" / ":list");

        std::unordered_map<std::uint32_t, IndexRow> rows;
        bool indexHasKeywords = false;
        {
            auto& q = db.prepare(
                "SELECT uid, base, in_new, info, flags, keywords FROM message WHERE "
                "folder_id=?1");
            q.bind(1, id_);
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
            f.bind(1, id_);
            if (!f.step()) throw Error(ErrorKind::NotFound, "Folder '" + name_ + "' is gone");
            in.indexUidValidity = static_cast<std::uint32_t>(f.integer(0));
            in.indexUidNext = static_cast<std::uint32_t>(f.integer(1));
            f.reset();
        }
        if (keywordMirrorPresent || !indexHasKeywords) in.keywords = keywordMirror.byBase;

        in.files = listMessageFiles(d);
        auto missing = [&](const std::string& base) { return !in.files.count(base); };
        bool anyMissing = std::any_of(in.indexUids.begin(), in.indexUids.end(),
                                      [&](const auto& e) { return missing(e.first); });
        if (!anyMissing && in.uidDb)
            anyMissing = std::any_of(in.uidDb->entries.begin(), in.uidDb->entries.end(),
                                     [&](const auto& e) { return missing(e.second); });
        if (anyMissing) addMessageFiles(d, in.files);  // see folder_scan.cpp on readdir

        result.plan = planFolder(in);
        const FolderPlan& plan = result.plan;

        std::uint64_t modseq = 0;
        auto bump = [&] {
            if (modseq == 0) modseq = bumpModseqLocked(db);
        };
        std::uint32_t uidValidity = in.indexUidValidity;
        if (plan.uidValidity != 0 && plan.uidValidity != in.indexUidValidity) {
            // Another numbering: nothing of the index's rows holds under it.
            bump();
            for (const char* sql : {"DELETE FROM message WHERE folder_id=?1",
                                    "DELETE FROM expunged WHERE folder_id=?1",
                                    "DELETE FROM keyword WHERE folder_id=?1"})
                db.prepare(sql).bind(1, id_).run();
            rows.clear();
            uidValidity = plan.uidValidity;
            result.uidValidityChanged = true;
        }

        // Keyword ids stay what they are (other processes hold them); new names get the
        // next ids.
        std::unordered_map<std::string, std::uint32_t> keywordIds;
        std::unordered_map<std::uint32_t, std::string> keywordNames;
        {
            auto& k = db.prepare("SELECT id, name FROM keyword WHERE folder_id=?1");
            k.bind(1, id_);
            while (k.step()) {
                auto id = static_cast<std::uint32_t>(k.integer(0));
                keywordIds.emplace(foldKeyword(k.text(1)), id);
                keywordNames.emplace(id, std::string(k.text(1)));
            }
        }
        auto idOf = [&](const std::string& name) {
            auto folded = foldKeyword(name);
            auto it = keywordIds.find(folded);
            if (it != keywordIds.end()) return it->second;
            auto id = keywordIdLocked(db, name);
            keywordIds.emplace(folded, id);
            keywordNames.emplace(id, name);
            return id;
        };

        auto& update = db.prepare(
            "UPDATE message SET in_new=?3, info=?4, flags=?5, keywords=?6, modseq=?7 "
            "WHERE folder_id=?1 AND uid=?2");
        auto& updateName =
            db.prepare("UPDATE message SET in_new=?3, info=?4 WHERE folder_id=?1 AND uid=?2");
        MessageRowWriter inserted(db, id_);
        auto& unexpunge = db.prepare("DELETE FROM expunged WHERE folder_id=?1 AND uid=?2");
        auto bindInfo = [](Statement& s, int index, const FileSeen& seen) {
            if (seen.hasInfo)
                s.bindView(index, seen.info);
            else
                s.bindNull(index);
        };

        // The keyword state the index ends with, by base name, to compare with the mirror.
        CourierKeywordMap finalKeywords;
        KeywordIds ids;
        for (const auto& m : plan.messages) {
            auto row = rows.find(m.uid);
            bool sameFile = row != rows.end() && row->second.base == m.base;
            std::string keywords;
            if (plan.keywordsKnown) {
                ids.clear();
                for (const auto& name : m.keywords)
                    ids.push_back(idOf(name));
                std::sort(ids.begin(), ids.end());
                ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
                keywords = KeywordTable::encode(ids);
            } else if (sameFile) {
                keywords = row->second.keywords;
            }
            if (!keywords.empty()) {
                auto& set = finalKeywords[m.base];
                for (auto id : KeywordTable::decode(keywords))
                    set.insert(keywordNames[id]);
            }
            if (sameFile) {
                const IndexRow& r = row->second;
                bool nameChanged =
                    r.inNew != m.seen.inNew || r.info != m.seen.info || r.hasInfo != m.seen.hasInfo;
                if (r.flags != m.flags || r.keywords != keywords) {
                    bump();
                    update.bind(1, id_).bind(2, m.uid).bind(3, m.seen.inNew ? 1 : 0);
                    bindInfo(update, 4, m.seen);
                    update.bind(5, m.flags)
                        .bind(6, keywords)
                        .bind(7, static_cast<std::int64_t>(modseq))
                        .run();
                    ++result.changed;
                } else if (nameChanged) {
                    updateName.bind(1, id_).bind(2, m.uid).bind(3, m.seen.inNew ? 1 : 0);
                    bindInfo(updateName, 4, m.seen);
                    updateName.run();
                }
                rows.erase(row);
                continue;
            }
            if (row != rows.end()) {
                // The index gave this UID to another file; the uiddb wins (the rebuild's
                // purpose), and sessions are told the old message is gone.
                expungeRowLocked(db, m.uid, modseq);
                rows.erase(row);
                ++result.reassigned;
            }
            bump();
            unexpunge.bind(1, id_).bind(2, m.uid).run();
            MessageRow added;
            added.uid = m.uid;
            added.base = m.base;
            added.inNew = m.seen.inNew;
            if (m.seen.hasInfo) added.info = m.seen.info;
            added.flags = m.flags;
            added.keywords = keywords;
            added.modseq = modseq;
            if (auto size = sizeField(m.base, 'S')) added.size = static_cast<std::int64_t>(*size);
            if (auto vsize = sizeField(m.base, 'W'))
                added.vsize = static_cast<std::int64_t>(*vsize);
            inserted.add(std::move(added));
            ++result.added;
        }
        inserted.flush();
        for (const auto& [uid, row] : rows) {
            expungeRowLocked(db, uid, modseq);
            ++result.removed;
        }

        std::uint32_t uidNext =
            std::max(plan.uidNext, result.uidValidityChanged ? std::uint32_t{1} : in.indexUidNext);
        db.prepare(
              "UPDATE folder SET uidvalidity=?2, uidnext=?3, new_mtime=?4, cur_mtime=?5, "
              "recent_uid=CASE WHEN ?6 THEN ?3 ELSE recent_uid END WHERE id=?1")
            .bind(1, id_)
            .bind(2, uidValidity)
            .bind(3, uidNext)
            .bind(4, trustworthyMtime(newMtime))
            .bind(5, trustworthyMtime(curMtime))
            .bind(6, options.clearRecent ? 1 : 0)
            .run();

        // The mirror files: rewritten only where they do not already say what the index
        // now holds, so a migration leaves Courier's own files alone when they are right.
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
            if (w.rfind((d / "courierimapuiddb").string(), 0) == 0) uidDbRight = false;
        if (!uidDbRight) {
            writeUidMirrorLocked(db, {});
            result.uidDbRewritten = true;
        }
        std::vector<std::string> bases;
        bases.reserve(plan.messages.size());
        for (const auto& m : plan.messages)
            bases.push_back(m.base);
        if (!keywordWarnings.empty() ||
            foldCourierKeywordCase(keywordMirror.byBase, bases) != finalKeywords) {
            rewriteKeywordMirrorLocked(db);
            result.keywordsRewritten = true;
        }
        if (modseq != 0) w.afterCommit([d] { nudgeWatchers(d); });
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
