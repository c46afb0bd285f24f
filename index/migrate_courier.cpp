#include "index/migrate_courier.h"

#include <sys/stat.h>

#include "index/courier_acl.h"
#include "index/courier_keywords.h"
#include "index/courier_quota.h"
#include "index/courier_subscriptions.h"
#include "index/courier_uiddb.h"
#include "index/error.h"
#include "index/file_util.h"
#include "index/folder_plan.h"
#include "index/layout.h"
#include "index/schema.h"

namespace maildex::index {

namespace {

// The files migrate does not index but checks, so damage is reported before a client
// runs into it.
void checkSideFiles(const std::filesystem::path& root, const std::vector<std::string>& folders,
                    MigrationReport& report) {
    std::vector<std::string> w;
    auto subscribed = readCourierSubscriptions(root, &w);
    addFileWarnings(report.warnings, root / "courierimapsubscribed", w);
    report.subscriptions = subscribed.size();

    if (auto size = readMaildirSize(root, &w)) {
        report.quota = formatMaildirQuota(size->quota);
        if (report.quota->empty()) report.quota = "none";
    }
    addFileWarnings(report.warnings, root / "maildirsize", w);

    MaildirLayout layout(root);
    for (const auto& f : folders) {
        auto dir = layout.folderDir(f);
        if (readCourierAclFile(dir, &w)) ++report.aclFiles;
        addFileWarnings(report.warnings, dir / "courierimapacl", w);
    }
    std::error_code ec;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(root / "courierimaphieracl", ec)) {
        if (!e.is_regular_file()) continue;
        auto text = readFileIfExists(e.path());
        if (!text) continue;
        parseCourierAcl(*text, &w);
        ++report.aclFiles;
        addFileWarnings(report.warnings, e.path(), w);
    }
}

}  // namespace

MigrationReport migrateCourier(const MigrationOptions& options) {
    MigrationReport report;
    report.maildir = options.maildir;
    report.dryRun = options.dryRun;
    struct stat st;
    if (::stat((options.maildir / "cur").c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(ErrorKind::NotFound, options.maildir.string() + " is not a Maildir (no cur/)");

    auto folders = migratableFolders(options.maildir, report.warnings);
    auto encoding = options.folderNames;
    std::string why;
    if (encoding == FolderNameEncoding::Auto) {
        encoding = chooseFolderNameEncoding(folders, FolderNameEncoding::Utf8, why);
    } else {
        why = encoding == FolderNameEncoding::Mutf7 ? "modified UTF-7 (as told; Courier 4)"
                                                    : "UTF-8 (as told; Courier 5)";
    }
    report.folderNames = why;
    report.mutf7Names = encoding == FolderNameEncoding::Mutf7;
    checkSideFiles(options.maildir, folders, report);

    if (!options.dryRun) {
        indexFromCourierFiles(options, encoding == FolderNameEncoding::Mutf7, report);
        return report;
    }
    report.replacedIndex = std::filesystem::exists(indexPathFor(options.maildir, options.indexDir));
    MaildirLayout layout(options.maildir);
    for (size_t i = 0; i < folders.size(); ++i) {
        auto dir = layout.folderDir(folders[i]);
        FolderPlanInput in;
        std::vector<std::string> w;
        in.uidDb = readCourierUidDb(dir, &w);
        addFileWarnings(report.warnings, dir / "courierimapuiddb", w);
        in.keywords = readCourierKeywords(dir, &w).byBase;
        for (auto& s : w)
            report.warnings.push_back((dir / "courierimapkeywords").string() + "/" + s);
        w.clear();
        in.files = listMessageFiles(dir);
        auto plan = planFolder(in);
        report.folders.push_back(describePlan(folders[i], plan));
        if (options.progress) options.progress(i + 1, folders.size(), plan.messages.size());
    }
    return report;
}

}  // namespace maildex::index
