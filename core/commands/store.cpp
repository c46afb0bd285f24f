// STORE and UID STORE (RFC 3501 6.4.6).
//
// The FETCH responses are not written here: the handler asks the view to report the
// matched messages, and the session's sync step writes them with every other change.

#include "core/commands/handlers.h"
#include "core/commands/message_set.h"
#include "core/flags_format.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void store(CommandContext& ctx) {
    auto& sel = std::get<Selected>(ctx.session.state());
    auto& view = *sel.view;
    SequenceSet set = ctx.args.sequenceSet();
    std::string item = ctx.args.upperAtom("FLAGS, +FLAGS or -FLAGS");
    bool silent = false;
    if (item.size() > 7 && item.ends_with(".SILENT")) {
        silent = true;
        item.resize(item.size() - 7);
    }
    index::FlagChange change;
    if (item == "FLAGS")
        change.mode = index::StoreMode::Replace;
    else if (item == "+FLAGS")
        change.mode = index::StoreMode::Add;
    else if (item == "-FLAGS")
        change.mode = index::StoreMode::Remove;
    else
        ArgReader::fail("Expected FLAGS, +FLAGS or -FLAGS");
    ParsedFlags flags;
    if (ctx.args.peekIs(Token::Type::ListBegin)) {
        flags = parseFlagList(ctx.args, false);
    } else {
        if (ctx.args.atEnd()) ArgReader::fail("Expected flags");
        while (!ctx.args.atEnd()) {
            ParsedFlags one = parseFlagList(ctx.args, true);
            flags.flags |= one.flags;
            flags.keywords.insert(flags.keywords.end(), one.keywords.begin(), one.keywords.end());
        }
    }
    ctx.args.expectEnd();
    change.flags = flags.flags;
    change.keywords = std::move(flags.keywords);

    auto uids = resolveMessageSet(view, set, ctx.uid);
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    if (uids.empty()) return;
    auto result = view.folder().store(uids, change);
    if (silent)
        view.suppressOwnChange(result.modseq);
    else
        view.reportFlags(result.matched);
}

}  // namespace maildex::core::commands
