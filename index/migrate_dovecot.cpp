#include "index/migrate_dovecot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "index/courier_keywords.h"
#include "index/courier_subscriptions.h"
#include "index/courier_uiddb.h"
#include "index/dovecot_keywords.h"
#include "index/dovecot_subscriptions.h"
#include "index/dovecot_uidlist.h"
#include "index/error.h"
#include "index/folder_plan.h"
#include "index/layout.h"
#include "index/schema.h"

namespace maildex::index {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// The Courier-format equivalent of one folder's Dovecot metadata.
struct Translated {
    std::optional<CourierUidDb> uidDb;
    CourierKeywordMap keywords;
    MessageFiles files;
};

Translated translateFolder(const std::filesystem::path& dir, const std::string& label,
                           std::vector<std::string>& warnings) {
    Translated t;
    std::vector<std::string> w;
    if (auto list = readDovecotUidList(dir, &w)) {
        CourierUidDb db;
        db.uidValidity = list->uidValidity;
        db.nextUid = list->nextUid;
        db.entries.reserve(list->entries.size());
        for (const auto& e : list->entries)
            db.entries.emplace_back(e.uid, e.base());
        t.uidDb = std::move(db);
    }
    addFileWarnings(warnings, dir / "dovecot-uidlist", w);
    auto names = readDovecotKeywords(dir, &w);
    addFileWarnings(warnings, dir / "dovecot-keywords", w);
    if (names.byIndex.size() >= 26)
        warnings.push_back((dir / "dovecot-keywords").string() +
                           ": all 26 keyword letters are in use; keywords beyond them live only "
                           "in dovecot.index, which is not read");
    t.files = listMessageFiles(dir);
    std::set<std::string> unnamed;
    for (const auto& [base, seen] : t.files) {
        if (!seen.hasInfo || seen.info.rfind("2,", 0) != 0) continue;
        std::string_view letters = std::string_view(seen.info).substr(2);
        letters = letters.substr(0, letters.find(','));
        for (char c : letters)
            if (c >= 'a' && c <= 'z' && !names.byIndex.count(static_cast<unsigned>(c - 'a')))
                unnamed.insert(std::string(1, c));
        auto kw = names.namesForLetters(letters);
        if (!kw.empty()) t.keywords[base].insert(kw.begin(), kw.end());
    }
    for (const auto& letter : unnamed)
        warnings.push_back(label + ": keyword letter '" + letter +
                           "' in file names has no name in dovecot-keywords; kept as Dovecot "
                           "shows it (unknown-" +
                           std::to_string(letter[0] - 'a') + ")");
    return t;
}

}  // namespace

MigrationReport migrateDovecot(const DovecotMigrationOptions& options) {
    MigrationReport report;
    report.maildir = options.maildir;
    report.dryRun = options.dryRun;
    const auto& root = options.maildir;
    struct stat st;
    if (::stat((root / "cur").c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(ErrorKind::NotFound, root.string() + " is not a Maildir (no cur/)");

    auto folders = migratableFolders(root, report.warnings);
    auto encoding = options.folderNames;
    std::string why;
    if (encoding == FolderNameEncoding::Auto) {
        encoding = chooseFolderNameEncoding(folders, FolderNameEncoding::Mutf7, why);
    } else {
        why = encoding == FolderNameEncoding::Mutf7
                  ? "modified UTF-7 (as told; Dovecot's default)"
                  : "UTF-8 (as told; Dovecot's UTF-8 mail location option)";
    }
    report.folderNames = why;
    report.mutf7Names = encoding == FolderNameEncoding::Mutf7;
    report.delimiter = options.separator.value_or('.');

    // Subscriptions, and from them the namespace prefix.
    std::vector<std::string> w;
    auto subscribed = readDovecotSubscriptions(root, report.delimiter, &w);
    addFileWarnings(report.warnings, root / "subscriptions", w);
    MaildirLayout layout(root);
    auto folderExists = [&](const std::string& name) {
        try {
            return layout.exists(name);
        } catch (const Error&) {
            return false;
        }
    };
    if (options.prefix) {
        report.prefix = *options.prefix;
    } else {
        report.prefix.clear();
        for (const auto& levels : subscribed) {
            if (levels.size() < 2 || !iequals(levels[0], "INBOX")) continue;
            std::string rest;
            for (size_t i = 1; i < levels.size(); ++i)
                rest += (i > 1 ? "." : "") + levels[i];
            std::string whole = levels[0] + "." + rest;
            if (folderExists(rest) && !folderExists(whole)) {
                report.prefix = std::string("INBOX") + report.delimiter;
                break;
            }
        }
    }
    bool stripInbox = report.prefix.size() == 6 && iequals(report.prefix.substr(0, 5), "INBOX");
    std::vector<std::string> courierNames;
    for (auto levels : subscribed) {
        if (levels.size() == 1 && iequals(levels[0], "INBOX")) {
            courierNames.push_back("INBOX");
            continue;
        }
        if (stripInbox && levels.size() > 1 && iequals(levels[0], "INBOX"))
            levels.erase(levels.begin());
        std::string folder;
        bool ok = true;
        for (size_t i = 0; i < levels.size(); ++i) {
            std::string level = levels[i];
            if (encoding == FolderNameEncoding::Utf8) {
                auto decoded = options.decodeMutf7 ? options.decodeMutf7(level) : std::nullopt;
                if (decoded)
                    level = *decoded;
                else
                    ok = false;
            }
            folder += (i ? "." : "") + level;
        }
        try {
            MaildirLayout::validateName(folder);
        } catch (const Error&) {
            ok = false;
        }
        if (!ok || folder.empty()) {
            report.warnings.push_back((root / "subscriptions").string() + ": subscription '" +
                                      folder + "' cannot be a folder name; dropped");
            continue;
        }
        courierNames.push_back("INBOX." + folder);
    }
    report.subscriptions = courierNames.size();

    for (size_t i = 0; i < folders.size(); ++i) {
        auto dir = layout.folderDir(folders[i]);
        std::string label = dir.string();
        auto t = translateFolder(dir, label, report.warnings);
        if (options.dryRun) {
            FolderPlanInput in;
            in.uidDb = t.uidDb;
            in.keywords = t.keywords;
            in.files = std::move(t.files);
            auto plan = planFolder(in);
            report.folders.push_back(describePlan(folders[i], plan));
            if (options.progress) options.progress(i + 1, folders.size(), plan.messages.size());
            continue;
        }
        if (t.uidDb) {
            writeCourierUidDb(dir, *t.uidDb);
        } else {
            auto stale = dir / "courierimapuiddb";
            if (::unlink(stale.c_str()) == 0)
                report.warnings.push_back(stale.string() +
                                          ": removed; Dovecot never numbered this folder, so "
                                          "this file is from an earlier server");
            else if (errno != ENOENT)
                throwIo("Cannot remove", stale.string(), errno);
        }
        writeCourierKeywords(dir, t.keywords);
    }
    if (options.dryRun) {
        report.replacedIndex = std::filesystem::exists(indexPathFor(root, options.indexDir));
        return report;
    }
    writeCourierSubscriptions(root, courierNames);
    // The folders' progress is reported by the indexing, which is the longer part.
    indexFromCourierFiles(options, encoding == FolderNameEncoding::Mutf7, report);
    return report;
}

}  // namespace maildex::index
