#include "index/export_courier.h"

#include "index/courier_quota.h"
#include "index/mailbox_view.h"
#include "index/maildir_settings.h"
#include "index/mailstore.h"
#include "index/migration.h"

namespace maildex::index {

CourierExportReport exportCourier(const CourierExportOptions& options) {
    CourierExportReport report;
    auto store = Mailstore::open({options.maildir, options.indexDir});
    auto folders = migratableFolders(options.maildir, report.warnings);
    for (size_t i = 0; i < folders.size(); ++i) {
        auto folder = store->folder(folders[i]);
        // Every file numbered first, so the export holds what is on disk now.
        folder->sync(Folder::SyncMode::Full);
        folder->writeMirrors();
        auto uids = folder->uids();
        auto view = folder->open(false);
        std::size_t withKeywords = 0;
        for (const auto& m : view->meta(view->uids()))
            if (m.keywords != 0) ++withKeywords;
        ++report.folders;
        report.messages += uids.size();
        report.messagesWithKeywords += withKeywords;
        if (options.progress) options.progress(i + 1, folders.size(), uids.size());
    }
    store->exportCourierSubscriptions();
    report.subscriptions = store->subscriptions().size();

    std::vector<std::string> w;
    if (auto size = readMaildirSize(options.maildir, &w)) {
        recalculateMaildirSize(options.maildir, size->quota);
        report.quotaRecalculated = true;
    }

    std::string prefix = store->setting(kNamespacePrefixSetting, "INBOX.");
    if (prefix != "INBOX.")
        report.warnings.push_back(
            "this Maildir's clients know its folders with namespace prefix '" + prefix +
            "'; Courier shows every folder below 'INBOX.' (INBOX.Sent), so clients will see "
            "new names");
    if (store->setting(kFolderNamesMutf7Setting) == "1") {
        for (const auto& f : folders)
            if (nameEncodingSigns(f).mutf7Escape) {
                report.warnings.push_back(
                    "folder directories are named in modified UTF-7 (." + f +
                    "); Courier 4 shows them as before, Courier 5 shows them literally unless "
                    "they are renamed with Courier's 'maildirmake --convutf8'");
                break;
            }
    }
    return report;
}

}  // namespace maildex::index
