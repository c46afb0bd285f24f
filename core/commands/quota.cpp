// QUOTA (RFC 9208) over the Maildir++ quota (index/quota_account.h), as Courier reports
// it: one quota root, "ROOT", for every folder of the account, with STORAGE in KiB and
// MESSAGE in messages. The administrator sets quotas (maildirsize, the user database,
// authdaemond), so SETQUOTA is refused.

#include <algorithm>
#include <memory>

#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "core/session.h"
#include "index/mailstore.h"
#include "index/quota_account.h"

namespace maildex::core::commands {

namespace {
constexpr const char* kRootName = "ROOT";  // Courier's name for it

// The account's quota with its usage brought up to date where Courier would count it
// again; null when the Maildir has none.
std::unique_ptr<index::QuotaAccount> currentQuota(CommandContext& ctx) {
    auto account = ctx.session.mailstore().quotaAccount();
    if (!account->limited()) return nullptr;
    account->mayAdd(0, 0);  // recounts a missing, overlong or outdated file
    return account;
}

void writeQuota(CommandContext& ctx, const index::QuotaAccount& account) {
    auto& w = ctx.out().untagged().atom("QUOTA").string(kRootName).open();
    const auto& quota = account.quota();
    const auto& usage = account.usage();
    if (quota.bytes != 0) {
        auto usedKiB = (std::max<std::int64_t>(usage.bytes, 0) + 1023) / 1024;
        w.atom("STORAGE").number(static_cast<std::uint64_t>(usedKiB)).number(quota.bytes / 1024);
    }
    if (quota.messages != 0)
        w.atom("MESSAGE")
            .number(static_cast<std::uint64_t>(std::max<std::int64_t>(usage.messages, 0)))
            .number(quota.messages);
    w.close().end();
}
}  // namespace

void getQuotaRoot(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    existingFolderFor(ctx, name, false);
    auto account = currentQuota(ctx);
    auto& w = ctx.out().untagged().atom("QUOTAROOT").astring(name);
    if (account) w.string(kRootName);
    w.end();
    if (account) writeQuota(ctx, *account);
    ctx.okText = "GETQUOTAROOT completed";
}

void getQuota(CommandContext& ctx) {
    std::string root = ctx.args.astring("a quota root");
    ctx.args.expectEnd();
    auto account = currentQuota(ctx);
    if (!account || root != kRootName) throw CommandError("No such quota root", "NONEXISTENT");
    writeQuota(ctx, *account);
    ctx.okText = "GETQUOTA completed";
}

void setQuota(CommandContext&) {
    throw CommandError("Quotas are set by the administrator", "NOPERM");
}

}  // namespace maildex::core::commands
