// The quota warning (quota_warning.h): when to send it, and the message file it becomes.

#include "index/quota_warning.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.h"
#include "index/error.h"
#include "index/file_util.h"
#include "index/inbox_delivery.h"
#include "index/maildir_name.h"

namespace maildex::index {

namespace {
constexpr std::int64_t kOncePerSeconds = 24 * 60 * 60;  // Courier's 86400

// Claims today's warning: true when none went out in the last day (quotawarn missing or
// older), and then quotawarn says one goes out now. Under an exclusive lock on the file,
// so that of two Maildex sessions only one claims it.
bool claimWarning(const std::filesystem::path& root, std::int64_t now) {
    auto path = root / kQuotaWarnFile;
    bool created = true;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    }
    if (fd < 0) throwIo("Cannot open", path.string(), errno);
    int rc;
    do {
        rc = ::flock(fd, LOCK_EX);
    } while (rc != 0 && errno == EINTR);
    struct stat st;
    if (rc != 0 || ::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throwIo("Cannot lock", path.string(), err);
    }
    // A file another process just made (Courier's programs make it before they deliver)
    // counts as a warning sent, as Courier counts it; only ours is fresh and unclaimed.
    bool claimed = created || st.st_mtim.tv_sec + kOncePerSeconds <= now;
    if (claimed) {
        struct timespec times[2] = {{static_cast<time_t>(now), 0}, {static_cast<time_t>(now), 0}};
        [[maybe_unused]] ssize_t n = ::pwrite(fd, "\n", 1, 0);  // Courier's one byte
        ::futimens(fd, times);
    }
    ::close(fd);  // and the lock with it
    return claimed;
}

}  // namespace

std::string builtInQuotaWarning(int percent) {
    return "From: Mail Delivery System <MAILER-DAEMON@" + maildirHostname() +
           ">\n"
           "To: Mailbox owner:;\n"
           "Subject: Mail quota warning\n"
           "Mime-Version: 1.0\n"
           "Content-Type: text/plain; charset=us-ascii\n"
           "Content-Transfer-Encoding: 7bit\n"
           "\n"
           "Your mailbox on the server is now at least " +
           std::to_string(percent) +
           "% full. So that you can continue\n"
           "to receive mail, you need to remove some messages from your mailbox.\n";
}

QuotaWarning warnIfNearQuota(const std::filesystem::path& maildirRoot, QuotaAccount& account,
                             const QuotaWarningSettings& settings, std::int64_t now) {
    if (settings.percent <= 0 || !account.limited()) return QuotaWarning::NotNeeded;
    account.mayAdd(0, 0);  // Courier's maildir_readquota counts again where it would
    if (account.percentUsed() < settings.percent) return QuotaWarning::NotNeeded;
    std::string body;
    if (!settings.messageFile.empty()) {
        try {
            body = readFileIfExists(settings.messageFile).value_or("");
        } catch (const std::exception& e) {
            log::warn(std::string("Quota warning: the built-in text instead of ") + e.what());
        }
    }
    if (body.empty()) body = builtInQuotaWarning(settings.percent);
    if (!claimWarning(maildirRoot, now)) return QuotaWarning::AlreadyWarned;
    std::string text = "Date: " + rfc5322Date(now) + "\nMessage-Id: <" + std::to_string(now) +
                       ".overquota@" + maildirHostname() + ">\n" + body;
    std::uint64_t size = deliverToInbox(maildirRoot, text, "quotawarn");
    // Counted whatever the quota says: the warning is not refused for being over it.
    account.record(static_cast<std::int64_t>(size), 1);
    return QuotaWarning::Delivered;
}

}  // namespace maildex::index
