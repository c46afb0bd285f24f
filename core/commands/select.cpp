// SELECT, EXAMINE (RFC 3501 6.3.1-2), CHECK, CLOSE (6.4.1-2), UNSELECT (RFC 3691).

#include <algorithm>

#include "core/commands/handlers.h"
#include "core/flags_format.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

void open(CommandContext& ctx, bool readOnly) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    // A SELECT that fails leaves no mailbox selected (RFC 3501 6.3.1).
    ctx.session.deselect();
    auto folderName = ctx.session.names().toFolder(name, ctx.session.utf8());
    if (!folderName) throw CommandError("No such mailbox", "NONEXISTENT");
    auto folder = ctx.session.mailstore().folder(*folderName);
    auto wakeup = ctx.session.wakeupHandle();
    auto view = folder->open(!readOnly, [wakeup](const index::ChangeEvent&) { wakeup->fire(); });

    auto& w = ctx.out();
    w.untagged().atom("FLAGS");
    writeFolderFlags(w, *folder, false);
    w.end();
    w.untagged().ok().code("PERMANENTFLAGS");
    if (readOnly)
        w.open().close();
    else
        writeFolderFlags(w, *folder, true);
    w.text(readOnly ? "No permanent flags permitted" : "Flags permitted").end();
    w.untagged().number(view->exists()).atom("EXISTS").end();
    w.untagged().number(view->recentCount()).atom("RECENT").end();
    auto metas = view->meta(view->uids());
    auto firstUnseen = std::find_if(metas.begin(), metas.end(), [](const index::MessageMeta& m) {
        return !(m.flags & index::flag::Seen);
    });
    if (firstUnseen != metas.end())
        w.untagged()
            .ok()
            .code("UNSEEN")
            .number(static_cast<std::uint64_t>(firstUnseen - metas.begin()) + 1)
            .text("First unseen")
            .end();
    w.untagged().ok().code("UIDVALIDITY").number(folder->uidValidity()).text("UIDs valid").end();
    w.untagged().ok().code("UIDNEXT").number(folder->uidNext()).text("Predicted next UID").end();

    ctx.session.select(std::move(view), name, readOnly);
    ctx.okCode = [readOnly](ResponseWriter& w) { w.code(readOnly ? "READ-ONLY" : "READ-WRITE"); };
    ctx.okText = readOnly ? "EXAMINE completed" : "SELECT completed";
}

Selected& selected(CommandContext& ctx) {
    return std::get<Selected>(ctx.session.state());
}

}  // namespace

void select(CommandContext& ctx) {
    open(ctx, false);
}
void examine(CommandContext& ctx) {
    open(ctx, true);
}

void check(CommandContext& ctx) {
    ctx.args.expectEnd();
    // Everything is on disk when a command completes; CHECK only looks for changes.
    selected(ctx).view->folder().sync();
}

void close(CommandContext& ctx) {
    ctx.args.expectEnd();
    auto& sel = selected(ctx);
    // CLOSE expunges silently (no EXPUNGE responses) unless the mailbox is read-only.
    if (!sel.readOnly) sel.view->folder().expungeDeleted();
    ctx.session.deselect();
}

void unselect(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.session.deselect();
}

}  // namespace maildex::core::commands
