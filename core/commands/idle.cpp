// IDLE (RFC 2177): the client waits; every change to the selected mailbox, from any
// source, is reported the moment the folder publishes it (the transport calls
// Session::notifyChanges on the wakeup), until the client sends DONE. In the
// authenticated state (RFC 9051 6.3) there is nothing to report: the client only gets
// the keepalives until DONE.

#include "core/commands/handlers.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

void idle(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.out().continuation().text("idling").end();
    ctx.session.startIdle(ctx.tag());
    // What changed before the client started waiting is reported now.
    if (ctx.session.reportChanges(true, false) == Session::Next::Close) {
        ctx.next = Session::Next::Close;
    } else {
        ctx.next = Session::Next::Line;
    }
    ctx.continues = true;
    ctx.session.mailstore().releaseMemory();
    // A shared account's folder keeps its own index (another user's Maildir).
    if (auto* sel = ctx.selectedIfAny(); sel && !sel->sharedPath.empty())
        sel->view->folder().mailstore().releaseMemory();
}

}  // namespace maildex::core::commands
