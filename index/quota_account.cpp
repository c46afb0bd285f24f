#include "index/quota_account.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>

#include "index/error.h"
#include "index/file_modes.h"
#include "index/file_util.h"
#include "index/maildir_name.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "maildirsize";
// Courier reads at most this much; a file that fills it is counted again.
constexpr std::size_t kMaxSize = 5120;
// A one-line file this young that says "over quota" is believed without counting again.
constexpr std::int64_t kTrustOverQuotaSeconds = 15 * 60;
// Recounts a race may cost before the addition is let through (Courier's five).
constexpr int kRecountTries = 5;

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// One usage line as Courier's doaddquota writes it.
std::string usageLine(std::int64_t bytes, std::int64_t messages) {
    char line[64];
    std::snprintf(line, sizeof line, "%12lld %12lld\n", static_cast<long long>(bytes),
                  static_cast<long long>(messages));
    return line;
}

// One write(), so that the line is never split by another writer's (O_APPEND).
bool appendLine(int fd, const std::string& line) {
    ssize_t n;
    do {
        n = ::write(fd, line.data(), line.size());
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(line.size());
}

// checkOneQuota: the percentage of one resource, 100 when over; 0 without a limit.
int percentOf(std::int64_t used, std::uint64_t limit) {
    if (limit == 0) return 0;
    if (used > static_cast<std::int64_t>(limit)) return 100;
    std::int64_t unit = limit > 20'000'000 ? 1024 : 1;  // no overflow for large quotas
    std::int64_t scaled = static_cast<std::int64_t>(limit) / unit;
    return scaled > 0 ? static_cast<int>(std::max<std::int64_t>(used, 0) / unit * 100 / scaled) : 0;
}
}  // namespace

QuotaAccount::QuotaAccount(std::filesystem::path maildirRoot,
                           std::optional<MaildirQuota> accountQuota, std::string trashFolder)
    : root_(std::move(maildirRoot)), trash_(std::move(trashFolder)) {
    fd_ = ::open((root_ / kFileName).c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd_ < 0 && errno != ENOENT) throwIo("Cannot open", (root_ / kFileName).string(), errno);
    if (fd_ >= 0) readFile();
    if (accountQuota && !accountQuota->unlimited() && (fd_ < 0 || quota_ != *accountQuota)) {
        // maildir_quota_add_start: the account's quota replaces the file's, counted anew.
        quota_ = *accountQuota;
        recountNeeded_ = true;
        active_ = true;
    }
}

QuotaAccount::~QuotaAccount() {
    if (fd_ >= 0) ::close(fd_);
}

void QuotaAccount::readFile() {
    active_ = true;
    std::string text(kMaxSize, '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::pread(fd_, text.data() + got, text.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throwIo("Cannot read", (root_ / kFileName).string(), errno);
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    struct stat st;
    if (::fstat(fd_, &st) == 0) fileMtime_ = st.st_mtim.tv_sec;
    MaildirSize parsed;
    if (got == kMaxSize) {
        // Too long to trust: only its quota line is read, and the usage counted.
        parsed.quota = parseMaildirQuota(text.substr(0, text.find('\n')));
        parsed.needsRecalculation = true;
    } else {
        parsed = parseMaildirSize(text);
    }
    quota_ = parsed.quota;
    usage_ = parsed.usage;
    lines_ = parsed.usageLines;
    recountNeeded_ = parsed.needsRecalculation;
}

int QuotaAccount::percentUsed() const {
    if (!active_) return 0;
    return std::max(percentOf(usage_.bytes, quota_.bytes),
                    percentOf(usage_.messages, quota_.messages));
}

bool QuotaAccount::within(std::int64_t bytes, std::int64_t messages) const {
    auto over = [](std::int64_t used, std::uint64_t limit) {
        return limit != 0 && used > static_cast<std::int64_t>(limit);
    };
    return !over(usage_.bytes + bytes, quota_.bytes) &&
           !over(usage_.messages + messages, quota_.messages);
}

bool QuotaAccount::mayAdd(std::int64_t bytes, std::int64_t messages) {
    if (!active_) return true;
    if (!recountNeeded_ && within(bytes, messages)) return true;
    if (!recountNeeded_ && lines_ == 1 && nowSeconds() < fileMtime_ + kTrustOverQuotaSeconds)
        return false;
    for (int tries = 0; tries < kRecountTries; ++tries)
        if (recount()) return within(bytes, messages);
    return true;  // the folders keep changing under us: let it through, as Courier does
}

bool QuotaAccount::recount() {
    std::int64_t latestBefore = 0;
    MaildirUsage counted = calculateMaildirUsage(root_, trash_, &latestBefore);
    // The new file is built in tmp/ under Courier's name for it (maildirquota.C), then
    // renamed over the old one; further lines go to the new file.
    auto tmp = root_ / "tmp" /
               (std::to_string(nowSeconds()) + "." + std::to_string(::getpid()) +
                "_NeWmAiLdIrSiZe." + maildirHostname());
    int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_APPEND | O_CLOEXEC, newFileMode());
    if (fd < 0) throwIo("Cannot create", tmp.string(), errno);
    std::string text =
        formatMaildirQuota(quota_) + "\n" + usageLine(counted.bytes, counted.messages);
    if (!appendLine(fd, text) || ::rename(tmp.c_str(), (root_ / kFileName).c_str()) != 0) {
        int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throwIo("Cannot write", (root_ / kFileName).string(), err);
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    usage_ = counted;
    lines_ = 1;
    fileMtime_ = nowSeconds();
    recountNeeded_ = false;
    if (latestMaildirMtime(root_, trash_) != latestBefore) {
        // Something was delivered or removed while we counted: count again.
        recountNeeded_ = true;
        lines_ = 0;
        return false;
    }
    return true;
}

void QuotaAccount::record(std::int64_t bytes, std::int64_t messages) {
    // Without a maildirsize yet there is nothing to add to: the first check that needs
    // the usage counts it, this change included (as Courier's maildir_quota_deleted).
    if (!active_ || fd_ < 0 || (bytes == 0 && messages == 0)) return;
    if (!appendLine(fd_, usageLine(bytes, messages)))
        throwIo("Cannot write", (root_ / kFileName).string(), errno);
    usage_.bytes += bytes;
    usage_.messages += messages;
    ++lines_;
}

}  // namespace maildex::index
