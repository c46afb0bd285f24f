// COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), with UID variants and COPYUID (RFC 4315).
// MOVE reports the COPYUID in an untagged OK and the expunges through the session's
// sync step, like EXPUNGE.

#include "core/acl/flag_rights.h"
#include "core/commands/copy_across.h"
#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "core/commands/message_set.h"
#include "core/commands/requests.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

// resp-text-code "COPYUID" SP nz-number SP uid-set SP uid-set (RFC 4315 3).
void writeCopyUid(ResponseWriter& w, const index::CopyResult& result) {
    w.code("COPYUID")
        .number(result.destUidValidity)
        .atom(SequenceSet::fromSorted(result.sourceUids).toString())
        .atom(SequenceSet::fromSorted(result.destUids).toString());
}

void transfer(CommandContext& ctx, bool move) {
    TransferRequest req = parseTransfer(ctx.args);
    auto& sel = ctx.selected();
    auto uids = resolveMessageSet(*sel.view, req.set, ctx.uid);
    if (move && sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    MailboxRef target = existingMailboxFor(ctx, req.mailbox, true);
    acl::Rights destRights = myRights(ctx, target);
    requireRights(ctx, destRights, "i", req.mailbox);
    // A flag the user could not set in the target is not carried there (RFC 4314 4).
    acl::FlagPermission may = acl::flagPermission(destRights);
    index::CopyFlagFilter filter{
        static_cast<index::SystemFlags>(index::flag::ImapMask & ~may.systemFlags), !may.keywords};
    auto dest = target.store->folder(target.folder);
    index::CopyResult result;
    if (&dest->mailstore() == &sel.view->folder().mailstore()) {
        result = sel.view->folder().copyTo(uids, *dest, move, filter);
    } else {
        result = copyAcrossMaildirs(*sel.view, uids, *dest, filter);
        if (move) removeMoved(*sel.view, result.sourceUids);
    }
    if (result.destUids.empty()) {
        ctx.okText = move ? "No messages moved" : "No messages copied";
        return;
    }
    if (dest->countsForQuota() && !target.shared()) ctx.session.warnAboutQuota();
    if (move) {
        // RFC 6851 4.3: the COPYUID goes in an untagged OK before the expunges, which the
        // session's sync step writes after this.
        auto& w = ctx.out().untagged().ok();
        writeCopyUid(w, result);
        w.text("Moved").end();
        ctx.okText = "MOVE completed";
    } else {
        ctx.okCode = [result = std::move(result)](ResponseWriter& w) { writeCopyUid(w, result); };
        ctx.okText = "COPY completed";
    }
}

}  // namespace

void copy(CommandContext& ctx) {
    transfer(ctx, false);
}
void move(CommandContext& ctx) {
    transfer(ctx, true);
}

}  // namespace maildex::core::commands
