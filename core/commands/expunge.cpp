// EXPUNGE (RFC 3501 6.4.3). The EXPUNGE responses come from the session's sync step,
// with everyone else's expunges, in one consistent numbering.

#include "core/commands/handlers.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void expunge(CommandContext& ctx) {
    ctx.args.expectEnd();
    auto& sel = std::get<Selected>(ctx.session.state());
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    sel.view->folder().expungeDeleted();
}

}  // namespace maildex::core::commands
