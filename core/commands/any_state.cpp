// CAPABILITY, NOOP, LOGOUT: valid in every state (RFC 3501 section 6.1).

#include "core/commands/handlers.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void capability(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.out().untagged().atom("CAPABILITY").atom(ctx.session.capabilities()).end();
}

// NOOP looks for changes on disk that nothing told us about (the directories' mtimes:
// cheap); the session's sync step then reports them, with everyone else's, before the
// tagged OK.
void noop(CommandContext& ctx) {
    ctx.args.expectEnd();
    if (auto* sel = std::get_if<Selected>(&ctx.session.state())) sel->view->folder().sync();
}

void logout(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.session.deselect();
    ctx.out().untagged().bye().text("Logging out").end();
    ctx.session.state() = LoggedOut{};
    ctx.next = Session::Next::Close;
}

}  // namespace maildex::core::commands
