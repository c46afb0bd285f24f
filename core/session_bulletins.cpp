// The bulletins of a Session (core/session.h): MAILDEX_BULLETIN_DIR's messages put into
// INBOX at login, each once per Maildir (index/bulletins.h). The login pays for one
// readdir of the directory and one read of the Maildir's maildexbulletins file; bulletins
// are read, locked and delivered only when one is missing. A bad bulletin or a Maildir that
// cannot take one costs the user nothing but the bulletin: the login goes on.

#include <ctime>
#include <mutex>
#include <set>

#include "base/log.h"
#include "core/session.h"
#include "index/bulletins.h"
#include "index/mailstore.h"
#include "index/quota_account.h"

namespace maildex::core {

namespace {
// A bad bulletin is named in the log once per process and problem, not at every login.
bool firstComplaint(const std::string& key) {
    static std::mutex mu;
    static std::set<std::string> said;
    std::lock_guard lock(mu);
    return said.insert(key).second;
}
}  // namespace

void Session::deliverBulletins() {
    const auto& dir = config_.bulletinDir;
    if (dir.empty() || !store_) return;
    base::FsIdentityScope as(fsIdentity_);  // the user's files, read and made as the user
    try {
        const auto& root = store_->layout().root();
        std::vector<std::string> names;
        try {
            names = index::listBulletins(dir);
        } catch (const std::exception& e) {
            // The site's directory, the same for every login: said once, not per login.
            if (firstComplaint(e.what())) log::warn(std::string("Bulletins: ") + e.what());
            return;
        }
        auto missing = index::undeliveredBulletins(root, names);
        if (missing.empty()) return;
        std::vector<index::BulletinFile> files;
        for (const auto& name : missing) {
            auto b = index::readBulletin(dir / name);
            if (!b.text && firstComplaint(name + '\n' + b.problem))
                log::warn("Bulletin " + (dir / name).string() + " skipped: " + b.problem);
            files.push_back(std::move(b));
        }
        auto account = store_->quotaAccount();
        auto report = index::deliverBulletins(root, files, account.get(), std::time(nullptr));
        for (const auto& name : report.delivered)
            log::info(logPrefix() + ": bulletin " + name + " put into INBOX");
        for (const auto& name : report.overQuota)
            log::info(logPrefix() + ": bulletin " + name + " left for later: over quota");
    } catch (const std::exception& e) {
        log::warn(logPrefix() + ": cannot deliver bulletins: " + e.what());
    }
}

}  // namespace maildex::core
