// Folder: keeping the folder's Courier-format files current with its index rows - the
// mirror of UIDs (courierimapuiddb, index/courier_uiddb.h) and of keywords
// (courierimapkeywords/, index/courier_keywords.h). The index is a cache; these files are
// what a lost index is rebuilt from and what Courier reads if it takes the Maildir back.
// Writers call these inside their transaction, before the commit (index/write_scope.h).
//
// Folder members rather than a class of their own: they read the folder's rows through
// its database connection and keep one piece of its state (pendingKeywordFiles_, how many
// update files wait to be merged into :list), and every writer calls them by these names.

#include <sys/stat.h>
#include <time.h>

#include <map>
#include <set>

#include "index/courier_keywords.h"
#include "index/courier_uiddb.h"
#include "index/folder.h"
#include "index/maildir_name.h"
#include "index/sqlite.h"

namespace maildex::index {

std::vector<std::string> Folder::keywordNamesLocked(Sqlite& db, const KeywordIds& ids) {
    std::vector<std::string> names;
    auto& q = db.prepare("SELECT name FROM keyword WHERE folder_id=?1 AND id=?2");
    for (auto id : ids) {
        q.bind(1, id_).bind(2, id);
        if (q.step()) {
            names.emplace_back(q.text(0));
            q.reset();
        }
    }
    return names;
}

bool Folder::mirrorKeywordsLocked(Sqlite& db,
                                  const std::vector<std::pair<std::string, KeywordIds>>& changes) {
    if (changes.empty()) return false;
    // Past this many pending files one :list rewrite is cheaper than the readers' merging.
    constexpr std::uint32_t kMergeAfter = 64;
    if (pendingKeywordFiles_ + changes.size() > kMergeAfter) {
        rewriteKeywordMirrorLocked(db, changes);
        return false;
    }
    for (const auto& [base, ids] : changes) {
        auto names = keywordNamesLocked(db, ids);
        writeCourierKeywordUpdate(dir(), base, std::set<std::string>(names.begin(), names.end()));
        ++pendingKeywordFiles_;
    }
    return true;
}

void Folder::rewriteKeywordMirrorLocked(
    Sqlite& db, const std::vector<std::pair<std::string, KeywordIds>>& overlay) {
    std::map<std::uint32_t, std::string> names;
    auto& k = db.prepare("SELECT id, name FROM keyword WHERE folder_id=?1");
    k.bind(1, id_);
    while (k.step())
        names[static_cast<std::uint32_t>(k.integer(0))] = std::string(k.text(1));
    auto namesOf = [&](const KeywordIds& ids, std::set<std::string>& set) {
        for (auto id : ids)
            if (auto it = names.find(id); it != names.end()) set.insert(it->second);
    };
    CourierKeywordMap map;
    auto& q = db.prepare("SELECT base, keywords FROM message WHERE folder_id=?1 AND keywords<>''");
    q.bind(1, id_);
    while (q.step())
        namesOf(KeywordTable::decode(q.text(1)), map[std::string(q.text(0))]);
    // The rows of this transaction are read above; messages about to be placed (APPEND,
    // COPY and MOVE mirror their keywords before their files appear) have none yet.
    for (const auto& [base, ids] : overlay) {
        std::set<std::string> set;
        namesOf(ids, set);
        if (set.empty())
            map.erase(base);
        else
            map[base] = std::move(set);
    }
    // The index holds every update we wrote, so their files can go once :list has them.
    // Not those of messages the index does not know, while they are young (Courier keeps
    // an orphan update file 15 minutes too): a message placed by a process that died
    // before its commit gets its keywords from there when a scan numbers it, and that
    // scan may come after this rewrite.
    constexpr std::int64_t kKeepUnknownSeconds = 15 * 60;
    auto updates = listCourierKeywordUpdates(dir());
    auto keywordDir = dir() / "courierimapkeywords";
    auto& known = db.prepare(
        "SELECT 1 FROM message INDEXED BY message_by_base "
        "WHERE folder_id=?1 AND base_key=?3 AND base=?2");
    std::int64_t now = ::time(nullptr);
    std::erase_if(updates, [&](const CourierKeywordUpdateFile& f) {
        if (map.count(f.base)) return false;
        known.bind(1, id_).bind(2, f.base).bind(3, baseNameKey(f.base));
        bool isKnown = known.step();
        if (isKnown) known.reset();
        struct stat st;
        return !isKnown && ::lstat((keywordDir / f.fileName).c_str(), &st) == 0 &&
               now - st.st_mtim.tv_sec < kKeepUnknownSeconds;
    });
    writeCourierKeywords(dir(), map, updates);
    pendingKeywordFiles_ = 0;
}

void Folder::writeUidMirrorLocked(Sqlite& db,
                                  const std::vector<std::pair<std::uint32_t, std::string>>& added,
                                  bool addedIsAll) {
    CourierUidDb mirror;
    auto& f = db.prepare("SELECT uidvalidity, uidnext FROM folder WHERE id=?1");
    f.bind(1, id_);
    if (!f.step()) return;
    mirror.uidValidity = static_cast<std::uint32_t>(f.integer(0));
    mirror.nextUid = static_cast<std::uint32_t>(f.integer(1));
    f.reset();
    // New UIDs are appended (Courier's reader takes lines in any number); the whole file
    // is rewritten only when appending is not possible.
    if (addedIsAll) {
        mirror.entries = added;
        writeCourierUidDb(dir(), mirror);
        return;
    }
    if (!added.empty() && appendCourierUidDb(dir(), mirror.uidValidity, mirror.nextUid, added))
        return;
    auto& q = db.prepare("SELECT uid, base FROM message WHERE folder_id=?1 ORDER BY uid");
    q.bind(1, id_);
    while (q.step())
        mirror.entries.emplace_back(static_cast<std::uint32_t>(q.integer(0)),
                                    std::string(q.text(1)));
    writeCourierUidDb(dir(), mirror);
}

}  // namespace maildex::index
