// The quota warning of a Session (core/session.h): MAILDEX_QUOTA_WARN's message put into
// INBOX (index/quota_warning.h), looked for at login and after each command that adds to
// the quota. Courier's imapd sends none; its MDA does (deliverquota -w, maildrop -w),
// after each delivery. A user whose mail fills up by APPEND (a client saving sent mail or
// moving mail in) or who reads mail only over IMAP hears of it here as well; the
// quotawarn file they share keeps it to one a day whoever notices first.

#include <ctime>

#include "base/log.h"
#include "core/session.h"
#include "index/mailstore.h"
#include "index/quota_warning.h"

namespace maildex::core {

void Session::warnAboutQuota() {
    if (config_.quotaWarning.percent <= 0 || !store_) return;
    try {
        auto account = store_->quotaAccount();
        auto result = index::warnIfNearQuota(store_->layout().root(), *account,
                                             config_.quotaWarning, std::time(nullptr));
        if (result == index::QuotaWarning::Delivered)
            log::info(logPrefix() + ": quota warning put into INBOX (" +
                      std::to_string(account->percentUsed()) + "% used)");
    } catch (const std::exception& e) {
        // The command that got here succeeded; a warning that cannot be written is the
        // administrator's to hear of, not the client's.
        log::warn(logPrefix() + ": cannot deliver the quota warning: " + e.what());
    }
}

}  // namespace maildex::core
