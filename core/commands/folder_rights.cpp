#include "core/commands/folder_rights.h"

#include <sys/stat.h>

#include <atomic>

#include "core/flags_format.h"
#include "core/imap/ascii.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {
// Lists written by this process: a change to any of them may change what a selected
// folder inherits.
std::atomic<std::uint64_t> generation{0};
}  // namespace

index::CourierAcl folderAcl(const MailboxRef& mailbox) {
    return index::readCourierAcl(mailbox.store->layout().root(), mailbox.folder);
}

void saveFolderAcl(const MailboxRef& mailbox, const index::CourierAcl& acl) {
    const auto& layout = mailbox.store->layout();
    if (mailbox.folder.empty() || layout.exists(mailbox.folder))
        index::writeCourierAcl(layout.folderDir(mailbox.folder), acl);
    else
        index::writeCourierHierAcl(layout.root(), mailbox.folder, acl);
    generation.fetch_add(1, std::memory_order_acq_rel);
}

namespace {
acl::Rights rightsFrom(Session& session, const index::CourierAcl& list, bool shared) {
    if (!shared) return acl::rightsOf(list, session.accessor());
    acl::Accessor reader = session.accessor();
    reader.owner = false;
    return acl::rightsOf(list, reader);
}
}  // namespace

acl::Rights myRights(Session& session, const MailboxRef& mailbox) {
    return rightsFrom(session, folderAcl(mailbox), mailbox.shared());
}

acl::Rights myRights(Session& session, index::CourierAclReader& lists, const std::string& folder,
                     bool shared) {
    return rightsFrom(session, lists.read(folder), shared);
}

acl::Rights myRights(CommandContext& ctx, const std::string& folder) {
    return myRights(ctx.session, ownMailbox(ctx, folder));
}

std::string ownerLoginOf(CommandContext& ctx, const MailboxRef& mailbox) {
    return mailbox.shared() ? mailbox.ownerLogin : ctx.session.userName();
}

void refuseRight(CommandContext& ctx, char right, std::string_view mailbox) {
    std::string command = ascii::upper(ctx.request.name);
    if (ctx.uid && !ctx.request.args.empty())
        command += " " + ascii::upper(ctx.request.args.front().value);
    throw CommandError(
        "Access denied for " + command + " on " +
            (mailbox.empty() ? std::string("current mailbox") : std::string(mailbox)) + " (ACL \"" +
            right + "\" required)",
        "NOPERM");
}

void requireRights(CommandContext& ctx, acl::Rights held, std::string_view needed,
                   std::string_view mailbox) {
    for (char c : needed) {
        if (held.has(c)) continue;
        if (!held.has('l') && !held.has('r'))
            throw CommandError("Mailbox does not exist", "NONEXISTENT");
        refuseRight(ctx, c, mailbox);
    }
}

acl::Rights requireRights(CommandContext& ctx, const MailboxRef& folder, std::string_view needed,
                          std::string_view mailbox) {
    acl::Rights held = myRights(ctx, folder);
    requireRights(ctx, held, needed, mailbox);
    return held;
}

bool opensReadOnly(acl::Rights rights) {
    return !rights.hasAny(acl::Rights::of("iestw"));
}

acl::ListSignature aclSignature(const MailboxRef& mailbox) {
    acl::ListSignature sig;
    sig.generation = generation.load(std::memory_order_acquire);
    struct stat st;
    auto file = mailbox.store->layout().folderDir(mailbox.folder) / "courierimapacl";
    if (::stat(file.c_str(), &st) == 0) {
        sig.inode = st.st_ino;
        sig.mtimeNs = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
    }
    return sig;
}

void checkSelectedRights(CommandContext& ctx, const CommandSpec& spec) {
    auto* sel = ctx.selectedIfAny();
    if (!sel) return;
    const auto& folder = sel->view->folder();
    MailboxRef mailbox = selectedMailbox(ctx);
    if (auto now = aclSignature(mailbox); now != sel->rightsSignature) {
        sel->rightsSignature = now;
        acl::Rights before = sel->rights;
        sel->rights = myRights(ctx, mailbox);
        if (!sel->readOnly && opensReadOnly(sel->rights)) {
            sel->readOnly = true;
            ctx.out()
                .untagged()
                .ok()
                .code("READ-ONLY")
                .codeEnd()
                .text("Access rights changed")
                .end();
        }
        // RFC 4314 5.1.1: the flags the user may now change.
        if (before != sel->rights && !sel->readOnly)
            sel->keywordsAnnounced = writeFlagsResponses(ctx.out(), folder, false, sel->rights);
    }
    requireRights(ctx, sel->rights, spec.selectedRights, "");
}

}  // namespace maildex::core::commands
