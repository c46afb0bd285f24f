// The census of quota usage over the logged-in users (quota_census.h), and the reading of
// one Maildir's standing it is made of.

#include "index/quota_census.h"

#include <sys/stat.h>

#include "index/database_pool.h"
#include "index/mailstore.h"

namespace maildex::index {

namespace {
// used > limit * percent / 100, in integers that cannot overflow for any quota.
bool over(std::int64_t used, std::uint64_t limit, unsigned percent) {
    if (limit == 0 || used <= 0) return false;
    return static_cast<unsigned __int128>(used) * 100 >
           static_cast<unsigned __int128>(limit) * percent;
}
}  // namespace

std::optional<Mailstore::QuotaStanding> Mailstore::quotaStanding() {
    std::lock_guard lock(quotaMu_);
    auto path = layout_.root() / "maildirsize";
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        sizeFile_.reset();
        sizeFileStamp_ = {};
    } else {
        std::array<std::int64_t, 3> stamp{static_cast<std::int64_t>(st.st_ino),
                                          static_cast<std::int64_t>(st.st_size),
                                          st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec};
        if (!sizeFile_ || stamp != sizeFileStamp_) {
            try {
                sizeFile_ = readMaildirSize(layout_.root());
            } catch (const std::exception&) {
                sizeFile_.reset();  // unreadable now: not counted until it can be read
            }
            sizeFileStamp_ = stamp;
        }
    }
    QuotaStanding standing;
    if (sizeFile_) {
        standing.quota = sizeFile_->quota;
        standing.usage = sizeFile_->usage;
    }
    if (accountQuota_ && !accountQuota_->unlimited()) standing.quota = *accountQuota_;
    if (standing.quota.unlimited()) return std::nullopt;
    return standing;
}

QuotaCensus quotaCensus() {
    QuotaCensus census;
    for (const auto& store : database_pool::openStores()) {
        auto standing = store->quotaStanding();
        if (!standing) continue;
        ++census.limited;
        if (!standing->usage) continue;
        const auto& q = standing->quota;
        const auto& u = *standing->usage;
        if (over(u.bytes, q.bytes, 90) || over(u.messages, q.messages, 90)) ++census.over90;
        if (over(u.bytes, q.bytes, 100) || over(u.messages, q.messages, 100)) ++census.over100;
    }
    return census;
}

}  // namespace maildex::index
