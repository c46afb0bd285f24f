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

index::CourierAcl folderAcl(CommandContext& ctx, const std::string& folder) {
    return index::readCourierAcl(ctx.session.mailstore().layout().root(), folder);
}

void saveFolderAcl(CommandContext& ctx, const std::string& folder, const index::CourierAcl& acl) {
    const auto& layout = ctx.session.mailstore().layout();
    if (folder.empty() || layout.exists(folder))
        index::writeCourierAcl(layout.folderDir(folder), acl);
    else
        index::writeCourierHierAcl(layout.root(), folder, acl);
    generation.fetch_add(1, std::memory_order_acq_rel);
}

acl::Rights myRights(Session& session, const std::string& folder) {
    return acl::rightsOf(index::readCourierAcl(session.mailstore().layout().root(), folder),
                         session.accessor());
}

void requireRights(CommandContext& ctx, acl::Rights held, std::string_view needed,
                   std::string_view mailbox) {
    for (char c : needed) {
        if (held.has(c)) continue;
        if (!held.has('l') && !held.has('r'))
            throw CommandError("Mailbox does not exist", "NONEXISTENT");
        std::string command = ascii::upper(ctx.request.name);
        if (ctx.uid && !ctx.request.args.empty())
            command += " " + ascii::upper(ctx.request.args.front().value);
        throw CommandError(
            "Access denied for " + command + " on " +
                (mailbox.empty() ? std::string("current mailbox") : std::string(mailbox)) +
                " (ACL \"" + c + "\" required)",
            "NOPERM");
    }
}

acl::Rights requireRights(CommandContext& ctx, const std::string& folder, std::string_view needed,
                          std::string_view mailbox) {
    acl::Rights held = myRights(ctx, folder);
    requireRights(ctx, held, needed, mailbox);
    return held;
}

bool opensReadOnly(acl::Rights rights) {
    return !rights.hasAny(acl::Rights::of("iestw"));
}

acl::ListSignature aclSignature(Session& session, const std::string& folder) {
    acl::ListSignature sig;
    sig.generation = generation.load(std::memory_order_acquire);
    struct stat st;
    auto file = session.mailstore().layout().folderDir(folder) / "courierimapacl";
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
    if (auto now = aclSignature(ctx.session, folder.name()); now != sel->rightsSignature) {
        sel->rightsSignature = now;
        acl::Rights before = sel->rights;
        sel->rights = myRights(ctx, folder.name());
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
