// EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (RFC 4315 2.1). The EXPUNGE responses come
// from the session's sync step, with everyone else's expunges, in one consistent
// numbering.

#include "core/commands/handlers.h"
#include "core/commands/requests.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void expunge(CommandContext& ctx) {
    ctx.args.expectEnd();
    auto& sel = ctx.selected();
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    sel.view->folder().expungeDeleted();
}

// Only the \Deleted messages among the given UIDs.
void uidExpunge(CommandContext& ctx) {
    UidExpungeRequest req = parseUidExpunge(ctx.args);
    auto& sel = ctx.selected();
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    auto uids = req.uids.resolveUids(sel.view->uids());
    sel.view->folder().expungeDeleted(&uids);
}

}  // namespace maildex::core::commands
