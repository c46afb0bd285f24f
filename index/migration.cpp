#include "index/migration.h"

#include <algorithm>
#include <set>

#include "index/error.h"
#include "index/file_util.h"
#include "index/folder_rebuild.h"
#include "index/keyword_table.h"
#include "index/layout.h"
#include "index/mailbox_view.h"
#include "index/maildir_settings.h"
#include "index/mailstore.h"
#include "index/schema.h"

namespace maildex::index {

namespace {

bool isBase64(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == ',';
}

std::string folderLabel(const std::string& folder) {
    return folder.empty() ? "INBOX" : "folder '" + folder + "'";
}

std::string keywordList(const std::vector<std::string>& names) {
    if (names.empty()) return "no keywords";
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : " ") + n;
    return out;
}

std::vector<std::string> foldedSorted(std::vector<std::string> names) {
    for (auto& n : names)
        n = foldKeyword(n);
    std::sort(names.begin(), names.end());
    return names;
}

// The folder's index as sessions will see it, against the plan the rebuild applied.
void verify(Folder& folder, const FolderPlan& plan, std::vector<std::string>& errors) {
    const std::string where = folderLabel(folder.name()) + ": ";
    constexpr std::size_t kMaxPerFolder = 10;
    std::size_t found = 0;
    auto fail = [&](const std::string& what) {
        if (found++ < kMaxPerFolder) errors.push_back(where + what);
    };
    if (plan.uidValidity != 0 && folder.uidValidity() != plan.uidValidity)
        fail("the index has UIDVALIDITY " + std::to_string(folder.uidValidity()) +
             ", the files say " + std::to_string(plan.uidValidity));
    if (folder.uidNext() < plan.uidNext)
        fail("the index's next UID " + std::to_string(folder.uidNext()) + " is below " +
             std::to_string(plan.uidNext));
    auto view = folder.open(false);
    const UidList& uids = view->uids();
    std::set<std::uint32_t> planned;
    for (const auto& m : plan.messages)
        planned.insert(m.uid);
    for (auto uid : uids)
        if (!planned.count(uid))
            fail("the index has UID " + std::to_string(uid) + ", which no file should have");
    std::set<std::uint32_t> have(uids.begin(), uids.end());
    std::vector<std::uint32_t> present;
    for (const auto& m : plan.messages) {
        if (!have.count(m.uid))
            fail("file " + m.base + " should have UID " + std::to_string(m.uid) +
                 " but the index does not have it");
        else
            present.push_back(m.uid);
    }
    auto metas = view->meta(present);
    std::size_t i = 0;
    for (const auto& m : plan.messages) {
        if (!have.count(m.uid)) continue;
        const auto& meta = metas[i++];
        if ((meta.flags & flag::ImapMask) != (m.flags & flag::ImapMask))
            fail("UID " + std::to_string(m.uid) + " has " + flagWords(meta.flags) +
                 " in the index, the file name says " + flagWords(m.flags));
        if (plan.keywordsKnown) {
            auto names = folder.keywordNames(meta.keywords);
            if (foldedSorted(names) != foldedSorted(m.keywords))
                fail("UID " + std::to_string(m.uid) + " has " + keywordList(names) +
                     " in the index, courierimapkeywords/ says " + keywordList(m.keywords));
        }
    }
    if (found > kMaxPerFolder)
        errors.push_back(where + "... and " + std::to_string(found - kMaxPerFolder) +
                         " more differences");
}

}  // namespace

std::size_t MigrationReport::messageCount() const {
    std::size_t n = 0;
    for (const auto& f : folders)
        n += f.messages;
    return n;
}

NameEncodingSigns nameEncodingSigns(std::string_view name) {
    NameEncodingSigns signs;
    for (size_t i = 0; i < name.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(name[i]);
        if (c >= 0x80) {
            signs.eightBit = true;
            continue;
        }
        if (c != '&') continue;
        size_t j = i + 1;
        while (j < name.size() && isBase64(name[j]))
            ++j;
        if (j < name.size() && name[j] == '-') {
            signs.mutf7Escape = true;
            i = j;
        } else {
            signs.bareAmpersand = true;
        }
    }
    return signs;
}

FolderNameEncoding chooseFolderNameEncoding(const std::vector<std::string>& folders,
                                            FolderNameEncoding fallback, std::string& why) {
    std::vector<std::string> utf8Signs, mutf7Signs;
    for (const auto& f : folders) {
        auto s = nameEncodingSigns(f);
        if (s.eightBit || s.bareAmpersand) utf8Signs.push_back(f);
        if (s.mutf7Escape) mutf7Signs.push_back(f);
    }
    auto list = [](const std::vector<std::string>& names) {
        std::string out;
        for (size_t i = 0; i < names.size() && i < 3; ++i)
            out += (i ? ", ." : ".") + names[i];
        if (names.size() > 3) out += ", ...";
        return out;
    };
    if (!utf8Signs.empty()) {
        why = "UTF-8 (directory names such as " + list(utf8Signs) + " are UTF-8, as Courier 5 " +
              "writes them)";
        if (!mutf7Signs.empty())
            why += "; directories in modified UTF-7 (" + list(mutf7Signs) +
                   ") keep the literal names Courier 5 showed for them";
        return FolderNameEncoding::Utf8;
    }
    if (!mutf7Signs.empty()) {
        why = "modified UTF-7 (directory names such as " + list(mutf7Signs) +
              " are modified UTF-7; they are served under the same names without renaming)";
        return FolderNameEncoding::Mutf7;
    }
    why = fallback == FolderNameEncoding::Mutf7
              ? "modified UTF-7 (no directory name shows either encoding; the old server's "
                "default)"
              : "UTF-8 (no directory name shows either encoding; Courier 5's default)";
    return fallback;
}

std::vector<std::string> migratableFolders(const std::filesystem::path& maildir,
                                           std::vector<std::string>& warnings) {
    MaildirLayout layout(maildir);
    std::vector<std::string> out;
    for (const auto& e : layout.list())
        if (e.selectable) out.push_back(e.name);
    // Dot-directories with cur/ that list() skipped: names Maildex refuses to serve.
    std::set<std::string> served(out.begin(), out.end());
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(maildir, ec)) {
        std::string n = entry.path().filename().string();
        if (n.size() < 2 || n[0] != '.' || n == ".." || served.count(n.substr(1))) continue;
        if (!std::filesystem::is_directory(entry.path() / "cur", ec)) continue;
        try {
            MaildirLayout::validateName(n.substr(1));
        } catch (const Error& e) {
            warnings.push_back((maildir / n).string() +
                               ": not migrated, its name cannot be a folder (" + e.what() + ")");
        }
    }
    return out;
}

FolderMigration describePlan(const std::string& folder, const FolderPlan& plan) {
    FolderMigration fm;
    fm.folder = folder;
    fm.uidValidity = plan.uidValidity;
    fm.uidNext = plan.uidNext;
    fm.messages = plan.messages.size();
    fm.keptUids = plan.fromMirror + plan.fromIndex;
    fm.numbered = plan.numbered;
    fm.withKeywords = plan.withKeywords;
    std::set<std::string> names;
    for (const auto& m : plan.messages)
        for (const auto& k : m.keywords)
            names.insert(foldKeyword(k));
    fm.keywordNames = names.size();
    fm.notes = plan.notes;
    return fm;
}

void indexFromCourierFiles(const MigrationOptions& options, bool mutf7, MigrationReport& report) {
    report.replacedIndex = std::filesystem::exists(indexPathFor(options.maildir, options.indexDir));
    auto store = Mailstore::open({options.maildir, options.indexDir});
    store->setSetting(kNamespacePrefixSetting, report.prefix);
    store->setSetting(kNamespaceDelimiterSetting, std::string(1, report.delimiter));
    store->setSetting(kFolderNamesMutf7Setting, mutf7 ? "1" : "0");

    auto folders = migratableFolders(options.maildir, report.warnings);
    for (size_t i = 0; i < folders.size(); ++i) {
        const auto& name = folders[i];
        auto folder = store->folderUnsynced(name);
        RebuildOptions rebuild;
        rebuild.clearRecent = true;
        auto result = folder->rebuild(rebuild);
        for (auto& w : result.warnings)
            report.warnings.push_back(std::move(w));
        auto fm = describePlan(name, result.plan);
        fm.uidValidity = folder->uidValidity();
        fm.uidNext = folder->uidNext();
        if (result.reassigned)
            fm.notes.push_back(std::to_string(result.reassigned) +
                               " UIDs of an earlier index belonged to other files; "
                               "courierimapuiddb was followed");
        verify(*folder, result.plan, report.errors);
        report.folders.push_back(std::move(fm));
        if (options.progress) options.progress(i + 1, folders.size(), result.plan.messages.size());
    }
    // An earlier index may know folders that are gone since.
    std::set<std::string> present(folders.begin(), folders.end());
    for (const auto& name : store->indexedFolders())
        if (!present.count(name)) store->forgetFolder(name);
    report.subscriptions = store->importCourierSubscriptions();
}

std::string flagWords(SystemFlags flags) {
    static const std::pair<SystemFlags, const char*> kWords[] = {{flag::Answered, "answered"},
                                                                 {flag::Deleted, "deleted"},
                                                                 {flag::Draft, "draft"},
                                                                 {flag::Flagged, "flagged"},
                                                                 {flag::Seen, "seen"}};
    std::string out;
    for (const auto& [bit, word] : kWords)
        if (flags & bit) out += (out.empty() ? "" : ", ") + std::string(word);
    return out.empty() ? "no flags" : out;
}

void addFileWarnings(std::vector<std::string>& out, const std::filesystem::path& file,
                     std::vector<std::string>& warnings) {
    for (auto& w : warnings)
        out.push_back(file.string() + ": " + w);
    warnings.clear();
}

}  // namespace maildex::index
