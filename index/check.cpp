#include "index/check.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "index/courier_keywords.h"
#include "index/courier_subscriptions.h"
#include "index/courier_uiddb.h"
#include "index/error.h"
#include "index/folder_plan.h"
#include "index/folder_rebuild.h"
#include "index/keyword_table.h"
#include "index/layout.h"
#include "index/maildir_name.h"
#include "index/maildir_settings.h"
#include "index/mailstore.h"
#include "index/migration.h"
#include "index/pending_rows.h"
#include "index/schema.h"
#include "index/sqlite.h"

namespace maildex::index {

namespace {

using K = DifferenceKind;

std::string words(const std::vector<std::string>& names) {
    if (names.empty()) return "no keywords";
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "keywords " : " ") + n;
    return out;
}

std::vector<std::string> folded(const std::vector<std::string>& names) {
    std::vector<std::string> out;
    for (const auto& n : names)
        out.push_back(foldKeyword(n));
    std::sort(out.begin(), out.end());
    return out;
}

struct Row {
    std::uint32_t uid;
    std::string base;
    std::string info;
    bool hasInfo;
    SystemFlags flags;
    std::string keywords;
};

// One comparison of a folder's index rows, files and mirror, in one read transaction.
std::vector<Difference> compareFolder(Sqlite& db, std::int64_t id, const std::string& name,
                                      const std::filesystem::path& dir, std::size_t& messages) {
    std::vector<Difference> out;
    auto add = [&](K kind, std::string text) { out.push_back({kind, name, std::move(text)}); };
    Transaction read(db, Transaction::Mode::Read);
    std::vector<Row> rows;
    {
        auto& q = db.prepare(
            "SELECT uid, base, info, flags, keywords FROM message WHERE folder_id=?1 ORDER BY "
            "uid");
        q.bind(1, id);
        while (q.step())
            rows.push_back({static_cast<std::uint32_t>(q.integer(0)), std::string(q.text(1)),
                            std::string(q.text(2)), !q.isNull(2),
                            static_cast<SystemFlags>(q.integer(3)), std::string(q.text(4))});
    }
    {
        // A first index's rows not inserted yet (pending_rows.h) are the index's too.
        auto& q =
            db.prepare("SELECT modseq, done_below, data FROM pending_rows WHERE folder_id=?1");
        q.bind(1, id);
        if (q.step()) {
            auto doneBelow = static_cast<std::uint32_t>(q.integer(1));
            for (auto& r : decodePendingRows(q.blob(2), static_cast<std::uint64_t>(q.integer(0))))
                if (r.uid >= doneBelow)
                    rows.push_back({r.uid, r.base, r.info.value_or(""), r.info.has_value(), r.flags,
                                    r.keywords});
            q.reset();
            std::sort(rows.begin(), rows.end(),
                      [](const Row& a, const Row& b) { return a.uid < b.uid; });
        }
    }
    std::unordered_map<std::uint32_t, std::string> keywordNames;
    {
        auto& q = db.prepare("SELECT id, name FROM keyword WHERE folder_id=?1");
        q.bind(1, id);
        while (q.step())
            keywordNames.emplace(static_cast<std::uint32_t>(q.integer(0)), std::string(q.text(1)));
    }
    std::uint32_t uidValidity = 0, uidNext = 0;
    {
        auto& q = db.prepare("SELECT uidvalidity, uidnext FROM folder WHERE id=?1");
        q.bind(1, id);
        if (q.step()) {
            uidValidity = static_cast<std::uint32_t>(q.integer(0));
            uidNext = static_cast<std::uint32_t>(q.integer(1));
            q.reset();
        }
    }
    read.commit();
    messages = rows.size();

    // Index against files.
    auto files = listMessageFiles(dir);
    if (std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return !files.count(r.base); }))
        addMessageFiles(dir, files);
    std::set<std::string> indexed;
    std::uint32_t maxUid = 0;
    for (const auto& r : rows) {
        indexed.insert(r.base);
        maxUid = std::max(maxUid, r.uid);
        auto it = files.find(r.base);
        if (it == files.end()) {
            add(K::IndexedFileGone, "UID " + std::to_string(r.uid) + " (file " + r.base +
                                        ") is in the index, but its file is in neither new/ "
                                        "nor cur/");
            continue;
        }
        const FileSeen& f = it->second;
        auto onDisk = MaildirName::parse(r.base + (f.hasInfo ? ":" + f.info : "")).flags();
        if ((onDisk & flag::ImapMask) != (r.flags & flag::ImapMask))
            add(K::FlagsDiffer, "UID " + std::to_string(r.uid) + ": the file name says " +
                                    flagWords(onDisk) + ", the index says " + flagWords(r.flags));
    }
    for (const auto& [base, seen] : files)
        if (!indexed.count(base))
            add(K::FileNotIndexed, "file " + std::string(seen.inNew ? "new/" : "cur/") + base +
                                       " has no UID in the index");
    if (maxUid >= uidNext)
        add(K::UidNextTooLow, "the index's next UID " + std::to_string(uidNext) +
                                  " is not above its highest UID " + std::to_string(maxUid));

    // Index against courierimapuiddb.
    std::vector<std::string> warnings;
    bool uidDbExists = std::filesystem::exists(dir / "courierimapuiddb");
    auto uidDb = readCourierUidDb(dir, &warnings);
    for (const auto& w : warnings)
        add(K::UidDbDamaged, (dir / "courierimapuiddb").string() + ": " + w);
    warnings.clear();
    if (!uidDbExists) {
        add(K::UidDbMissing, (dir / "courierimapuiddb").string() +
                                 " is missing: Courier would renumber this folder");
    } else if (uidDb) {
        if (uidDb->uidValidity != uidValidity)
            add(K::UidDbUidValidity, "courierimapuiddb says UIDVALIDITY " +
                                         std::to_string(uidDb->uidValidity) + ", the index says " +
                                         std::to_string(uidValidity));
        else if (uidDb->nextUid > uidNext)
            add(K::UidDbNextUid, "the index's next UID " + std::to_string(uidNext) +
                                     " is below courierimapuiddb's " +
                                     std::to_string(uidDb->nextUid) +
                                     ": UIDs given out before could be given again");
        else if (uidDb->nextUid < uidNext)
            add(K::UidDbNextUid, "courierimapuiddb's next UID " + std::to_string(uidDb->nextUid) +
                                     " is below the index's " + std::to_string(uidNext) +
                                     ": Courier would give out UIDs the index already has");
        if (uidDb->uidValidity == uidValidity) {
            auto byBase = uidDb->byBase();
            for (const auto& r : rows) {
                auto it = byBase.find(r.base);
                if (it == byBase.end())
                    add(K::UidDbEntry, "UID " + std::to_string(r.uid) + " (file " + r.base +
                                           ") is missing from courierimapuiddb");
                else if (it->second != r.uid)
                    add(K::UidDbEntry, "file " + r.base + " has UID " + std::to_string(r.uid) +
                                           " in the index but " + std::to_string(it->second) +
                                           " in courierimapuiddb");
            }
        }
    }

    // Index against courierimapkeywords/.
    auto mirror = readCourierKeywords(dir, &warnings);
    for (const auto& w : warnings)
        add(K::KeywordsDamaged, (dir / "courierimapkeywords").string() + "/" + w);
    std::vector<std::string> bases;
    for (const auto& r : rows)
        bases.push_back(r.base);
    auto merged = foldCourierKeywordCase(mirror.byBase, bases);
    for (const auto& r : rows) {
        std::vector<std::string> inIndex, inMirror;
        for (auto kid : KeywordTable::decode(r.keywords))
            inIndex.push_back(keywordNames[kid]);
        if (auto it = merged.find(r.base); it != merged.end())
            inMirror.assign(it->second.begin(), it->second.end());
        std::sort(inIndex.begin(), inIndex.end());
        if (folded(inIndex) != folded(inMirror))
            add(K::KeywordsDiffer, "UID " + std::to_string(r.uid) + ": the index has " +
                                       words(inIndex) + ", courierimapkeywords/ has " +
                                       words(inMirror));
    }
    return out;
}

std::vector<std::string> courierSubscribedFolders(const std::filesystem::path& root) {
    std::vector<std::string> out;
    for (const auto& n : readCourierSubscriptions(root)) {
        if (n == "INBOX")
            out.emplace_back();
        else if (n.rfind("INBOX.", 0) == 0 && n.size() > 6)
            out.push_back(n.substr(6));
    }
    return out;
}

std::string display(const std::string& folder) {
    return folder.empty() ? "INBOX" : "'" + folder + "'";
}

}  // namespace

std::filesystem::path moveDamagedIndexAside(const std::filesystem::path& indexPath) {
    auto aside = indexPath;
    aside += ".damaged-" + std::to_string(::time(nullptr));
    std::filesystem::rename(indexPath, aside);
    for (const char* suffix : {"-wal", "-shm"}) {
        auto from = indexPath, to = aside;
        from += suffix;
        to += suffix;
        std::error_code ec;
        if (std::filesystem::exists(from, ec)) std::filesystem::rename(from, to, ec);
    }
    return aside;
}

std::optional<std::string> indexDamage(const std::filesystem::path& indexPath) {
    try {
        Sqlite db(indexPath.string(), true);
        auto& q = db.prepare("PRAGMA quick_check");
        std::string problems;
        while (q.step())
            if (q.text(0) != "ok")
                problems += (problems.empty() ? "" : "; ") + std::string(q.text(0));
        if (!problems.empty()) return "is damaged (" + problems + ")";
        auto& v = db.prepare("PRAGMA user_version");
        int version = v.step() ? static_cast<int>(v.integer(0)) : 0;
        v.reset();
        if (version != kSchemaVersion)
            return "has schema version " + std::to_string(version) + ", this Maildex writes " +
                   std::to_string(kSchemaVersion);
    } catch (const Error& e) {
        return std::string("cannot be read (") + e.what() + ")";
    }
    return std::nullopt;
}

CheckReport checkMaildir(const CheckOptions& options) {
    CheckReport report;
    const auto& root = options.maildir;
    if (!std::filesystem::is_directory(root / "cur"))
        throw Error(ErrorKind::NotFound, root.string() + " is not a Maildir (no cur/)");
    std::vector<std::string> ignored;
    auto folders = migratableFolders(root, ignored);
    auto indexPath = indexPathFor(root, options.indexDir);
    auto maildirWide = [&](K kind, std::string text) {
        report.differences.push_back({kind, "", std::move(text)});
    };
    if (!std::filesystem::exists(indexPath)) {
        maildirWide(K::NoIndex, "there is no index (" + indexPath.string() +
                                    "): run 'maildexctl reindex' or 'maildexctl migrate'");
        report.folders = folders.size();
        return report;
    }
    if (auto damage = indexDamage(indexPath)) {
        maildirWide(K::IndexDamaged, "the index " + indexPath.string() + " " + *damage);
        return report;
    }
    auto db = std::make_unique<Sqlite>(indexPath.string(), true);

    std::map<std::string, std::int64_t> rows;
    {
        auto& q = db->prepare("SELECT name, id FROM folder");
        while (q.step())
            rows.emplace(std::string(q.text(0)), q.integer(1));
    }
    std::set<std::string> present(folders.begin(), folders.end());
    for (const auto& [name, id] : rows)
        if (!present.count(name))
            report.differences.push_back(
                {K::FolderGone, name,
                 "the index has folder " + display(name) + ", whose directory is gone"});

    MaildirLayout layout(root);
    for (size_t i = 0; i < folders.size(); ++i) {
        const auto& name = folders[i];
        ++report.folders;
        auto it = rows.find(name);
        if (it == rows.end()) {
            report.differences.push_back(
                {K::FolderNotIndexed, name, "folder " + display(name) + " has never been indexed"});
            if (options.progress) options.progress(i + 1, folders.size(), 0);
            continue;
        }
        std::size_t messages = 0;
        auto first = compareFolder(*db, it->second, name, layout.folderDir(name), messages);
        if (!first.empty()) {
            // Give a writer that was half-way (files changed, index not yet committed) the
            // moment it needs, then keep only what is still different.
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            auto second = compareFolder(*db, it->second, name, layout.folderDir(name), messages);
            for (auto& d : first)
                if (std::find(second.begin(), second.end(), d) != second.end())
                    report.differences.push_back(std::move(d));
        }
        report.messages += messages;
        if (options.progress) options.progress(i + 1, folders.size(), messages);
    }

    // Subscriptions and settings: index against their files.
    std::set<std::string> indexSubs, fileSubs;
    {
        auto& q = db->prepare("SELECT name FROM subscription");
        while (q.step())
            indexSubs.emplace(q.text(0));
    }
    for (auto& n : courierSubscribedFolders(root))
        fileSubs.insert(std::move(n));
    for (const auto& n : indexSubs)
        if (!fileSubs.count(n))
            maildirWide(K::SubscriptionsDiffer, display(n) +
                                                    " is subscribed in the index but not in "
                                                    "courierimapsubscribed");
    for (const auto& n : fileSubs)
        if (!indexSubs.count(n))
            maildirWide(
                K::SubscriptionsDiffer,
                display(n) + " is in courierimapsubscribed but not subscribed in the index");

    MaildirSettings indexSettings;
    {
        auto& q = db->prepare("SELECT key, value FROM setting WHERE key<>'last_uidvalidity'");
        while (q.step())
            indexSettings.emplace(std::string(q.text(0)), std::string(q.text(1)));
    }
    std::vector<std::string> settingWarnings;
    auto fileSettings = readMaildirSettings(root, &settingWarnings);
    for (const auto& w : settingWarnings)
        maildirWide(K::SettingsDiffer, (root / kMaildirSettingsFile).string() + ": " + w);
    for (const auto& [key, value] : indexSettings) {
        auto it = fileSettings.find(key);
        if (it == fileSettings.end())
            maildirWide(K::SettingsDiffer,
                        "setting '" + key + "' is in the index but not in " + kMaildirSettingsFile);
        else if (it->second != value)
            maildirWide(K::SettingsDiffer, "setting '" + key + "' is '" + value +
                                               "' in the index but '" + it->second + "' in " +
                                               kMaildirSettingsFile);
    }
    for (const auto& [key, value] : fileSettings)
        if (!indexSettings.count(key))
            maildirWide(K::SettingsDiffer, "setting '" + key + "' is in " + kMaildirSettingsFile +
                                               " but not in the index");
    return report;
}

RepairReport repairMaildir(const CheckOptions& options, const CheckReport& found) {
    RepairReport report;
    const auto& root = options.maildir;
    auto has = [&](K kind) {
        return std::any_of(found.differences.begin(), found.differences.end(),
                           [&](const Difference& d) { return d.kind == kind; });
    };
    std::vector<std::string> ignored;
    auto folders = migratableFolders(root, ignored);
    if (has(K::IndexDamaged)) {
        auto indexPath = indexPathFor(root, options.indexDir);
        if (std::filesystem::exists(indexPath)) {
            auto aside = moveDamagedIndexAside(indexPath);
            report.actions.push_back("moved the damaged index to " + aside.string());
        }
        auto store = Mailstore::open({root, options.indexDir});
        for (const auto& name : folders)
            store->folderUnsynced(name)->rebuild({});
        report.actions.push_back("built a new index of " + std::to_string(folders.size()) +
                                 " folders from courierimapuiddb and courierimapkeywords/");
        return report;
    }
    auto store = Mailstore::open({root, options.indexDir});
    if (has(K::NoIndex))
        report.actions.push_back("created the index " + store->indexPath().string());

    std::map<std::string, std::set<K>> byFolder;
    for (const auto& d : found.differences)
        if (d.kind != K::SubscriptionsDiffer && d.kind != K::SettingsDiffer && d.kind != K::NoIndex)
            byFolder[d.folder].insert(d.kind);
    if (has(K::NoIndex))
        for (const auto& name : folders)
            byFolder[name].insert(K::FolderNotIndexed);

    for (const auto& [name, kinds] : byFolder) {
        if (kinds.count(K::FolderGone)) {
            if (store->forgetFolder(name))
                report.actions.push_back("removed folder " + display(name) +
                                         " from the index (its directory is gone)");
            continue;
        }
        auto folder = store->folder(name);  // the first scan indexes a new folder
        if (kinds.count(K::FolderNotIndexed))
            report.actions.push_back("indexed folder " + display(name));
        bool mirror = false, files = false;
        for (auto k : kinds) {
            mirror = mirror || k == K::UidDbMissing || k == K::UidDbDamaged ||
                     k == K::UidDbUidValidity || k == K::UidDbNextUid || k == K::UidDbEntry ||
                     k == K::KeywordsDamaged || k == K::KeywordsDiffer;
            files = files || k == K::FileNotIndexed || k == K::IndexedFileGone ||
                    k == K::FlagsDiffer || k == K::UidNextTooLow;
        }
        // The mirror first, from the index; then the files against both, which agree now.
        if (mirror) {
            folder->writeMirrors();
            report.actions.push_back("rewrote courierimapuiddb and courierimapkeywords/ of " +
                                     display(name) + " from the index");
        }
        if (files) {
            auto r = folder->rebuild({});
            report.actions.push_back("brought the index of " + display(name) +
                                     " in line with its files (" + std::to_string(r.added) +
                                     " added, " + std::to_string(r.removed) + " removed, " +
                                     std::to_string(r.changed) + " changed)");
        }
    }
    if (has(K::SubscriptionsDiffer)) {
        store->exportCourierSubscriptions();
        report.actions.push_back("rewrote courierimapsubscribed from the index");
    }
    if (has(K::SettingsDiffer)) {
        writeMaildirSettings(root, store->settings());
        report.actions.push_back(std::string("rewrote ") + kMaildirSettingsFile +
                                 " from the index");
    }
    return report;
}

}  // namespace maildex::index
