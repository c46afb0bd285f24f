// EXPUNGE (RFC 3501 6.4.3). The EXPUNGE responses come from the session's sync step,
// with everyone else's expunges, in one consistent numbering.

#include "core/commands/handlers.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void expunge(CommandContext& ctx) {
    ctx.args.expectEnd();
    auto& sel = ctx.selected();
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    sel.view->folder().expungeDeleted();
}

// UID EXPUNGE (RFC 4315): only the \Deleted messages in the given UID set.
void uidExpunge(CommandContext& ctx) {
    auto& sel = ctx.selected();
    SequenceSet set = ctx.args.sequenceSet();
    ctx.args.expectEnd();
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    auto uids = set.resolveUids(sel.view->uids());
    sel.view->folder().expungeDeleted(&uids);
}

}  // namespace maildex::core::commands
