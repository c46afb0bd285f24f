#include "core/commands/mailbox_name.h"

#include <sys/stat.h>

#include <mutex>
#include <set>

#include "base/log.h"
#include "core/shared_index.h"
#include "index/error.h"
#include "index/layout.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

// Says why an account of the index is not served, once per account and reason: the
// index is read for every command that names #shared, and the log should not repeat.
void refuseOnce(const SharedAccount& a, const std::string& why) {
    static std::mutex mu;
    static std::set<std::string> said;
    std::lock_guard lock(mu);
    if (said.insert(a.path + "\n" + why).second)
        log::warn("shared index: #shared." + a.path + " (" + a.maildir.string() +
                  ") is not served: " + why);
}

// The account's Maildir as this session may open it (servesSharedAccount), or null.
std::shared_ptr<index::Mailstore> openShared(CommandContext& ctx, const SharedAccount& a) {
    if (!servesSharedAccount(ctx, a)) return nullptr;
    try {
        index::MailstoreOptions options;
        options.maildir = a.maildir;
        options.indexDir = ctx.session.config().indexDir;
        options.owner = ctx.session.fsIdentity();
        options.pendingRowsFrom = 10'000;
        return index::Mailstore::open(options);
    } catch (const index::Error& e) {
        refuseOnce(a, e.what());
        return nullptr;
    }
}

[[noreturn]] void noSuchMailbox() {
    throw CommandError("Mailbox does not exist", "NONEXISTENT");
}

}  // namespace

// Cross-user access keeps the identity rules of core/maildir_owner.h: where the server
// switches identities, a session works under its own user's uid and gid only, so it
// reaches another account's files only when they belong to the same uid and gid (a
// virtual-mail site, one Unix owner, which is what Courier's virtual shared folders are
// for: its imapd runs as the user and the kernel decides the same way). The account's
// own Maildir is not shared with itself (Courier skips it too).
bool servesSharedAccount(CommandContext& ctx, const SharedAccount& a) {
    const auto& identity = ctx.session.fsIdentity();
    if (identity && (identity->uid != a.uid || identity->gid != a.gid)) {
        refuseOnce(a, "its uid " + std::to_string(a.uid) + " gid " + std::to_string(a.gid) +
                          " differs from the reader's (" + identity->describe() +
                          "); only accounts of one Unix owner share folders");
        return false;
    }
    struct stat mine, theirs;
    return !(::stat(a.maildir.c_str(), &theirs) == 0 &&
             ::stat(ctx.session.mailstore().layout().root().c_str(), &mine) == 0 &&
             mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino);
}

bool isSharedName(std::string_view imapName) {
    return imapName.starts_with(kSharedPrefix) || imapName == kSharedPrefix.substr(0, 7);
}

std::string folderFor(CommandContext& ctx, const std::string& imapName) {
    auto folder = ctx.session.names().toFolder(imapName, ctx.session.utf8());
    if (!folder) throw CommandError("Invalid mailbox name", "CANNOT");
    index::MaildirLayout::validateName(*folder);  // throws Error(InvalidName) → NO [CANNOT]
    return *folder;
}

std::string existingFolderFor(CommandContext& ctx, const std::string& imapName, bool tryCreate) {
    std::string folder = folderFor(ctx, imapName);
    if (!ctx.session.mailstore().exists(folder))
        throw CommandError("Mailbox does not exist", tryCreate ? "TRYCREATE" : "NONEXISTENT");
    return folder;
}

MailboxRef ownMailbox(CommandContext& ctx, std::string folder) {
    return {ctx.session.mailstore().shared_from_this(), std::move(folder), {}, {}};
}

MailboxRef mailboxFor(CommandContext& ctx, const std::string& imapName) {
    if (!isSharedName(imapName)) return ownMailbox(ctx, folderFor(ctx, imapName));
    if (ctx.session.sharedIndexFile().empty()) noSuchMailbox();
    auto accounts = sharedIndex(ctx.session.sharedIndexFile());
    std::string_view rest;
    const SharedAccount* account = findSharedAccount(*accounts, imapName, rest);
    // The account's own level holds no folder, and its INBOX is not shared (Courier).
    if (!account || rest.empty() || isInboxName(rest.substr(0, rest.find('.')))) noSuchMailbox();
    // Below the account, names are its Maildir's folders as Courier names them.
    auto folder = MailboxNames("", '.', false).toFolder(rest, ctx.session.utf8());
    if (!folder) noSuchMailbox();
    try {
        index::MaildirLayout::validateName(*folder);
    } catch (const index::Error&) {
        noSuchMailbox();
    }
    auto store = openShared(ctx, *account);
    if (!store) noSuchMailbox();
    return {std::move(store), *folder, account->path, account->ownerLogin};
}

MailboxRef existingMailboxFor(CommandContext& ctx, const std::string& imapName, bool tryCreate) {
    MailboxRef ref = mailboxFor(ctx, imapName);
    if (!ref.store->exists(ref.folder))
        throw CommandError("Mailbox does not exist", tryCreate ? "TRYCREATE" : "NONEXISTENT");
    return ref;
}

MailboxRef selectedMailbox(CommandContext& ctx) {
    auto& sel = ctx.selected();
    auto& folder = sel.view->folder();
    return {folder.mailstore().shared_from_this(), folder.name(), sel.sharedPath, sel.ownerLogin};
}

bool isSelected(CommandContext& ctx, const std::string& folder) {
    auto* sel = ctx.selectedIfAny();
    return sel && sel->sharedPath.empty() && sel->view->folder().name() == folder;
}

bool isSelected(CommandContext& ctx, const MailboxRef& mailbox) {
    auto* sel = ctx.selectedIfAny();
    return sel && &sel->view->folder().mailstore() == mailbox.store.get() &&
           sel->view->folder().name() == mailbox.folder;
}

}  // namespace maildex::core::commands
