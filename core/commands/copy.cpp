// COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), with UID variants and COPYUID (RFC 4315).
// MOVE reports the COPYUID in an untagged OK and the expunges through the session's
// sync step, like EXPUNGE.

#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "core/commands/message_set.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

void transfer(CommandContext& ctx, bool move) {
    auto& sel = ctx.selected();
    SequenceSet set = ctx.args.sequenceSet();
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    auto uids = resolveMessageSet(*sel.view, set, ctx.uid);
    if (move && sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    std::string folderName = existingFolderFor(ctx, name, true);
    auto dest = ctx.session.mailstore().folder(folderName);
    auto result = sel.view->folder().copyTo(uids, *dest, move);
    if (result.destUids.empty()) {
        ctx.okText = move ? "No messages moved" : "No messages copied";
        return;
    }
    auto writeCode = [result](ResponseWriter& w) {
        w.code("COPYUID")
            .number(result.destUidValidity)
            .atom(SequenceSet::fromSorted(result.sourceUids).toString())
            .atom(SequenceSet::fromSorted(result.destUids).toString());
    };
    if (move) {
        auto& w = ctx.out().untagged().ok();
        writeCode(w);
        w.text("Moved").end();
        ctx.okText = "MOVE completed";
    } else {
        ctx.okCode = writeCode;
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
