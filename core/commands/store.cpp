// STORE and UID STORE (RFC 3501 6.4.6).
//
// The FETCH responses are not written here: the handler asks the view to report the
// matched messages, and the session's sync step writes them with every other change.

#include <algorithm>

#include "core/commands/handlers.h"
#include "core/commands/message_set.h"
#include "core/flags_format.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void store(CommandContext& ctx) {
    auto& sel = ctx.selected();
    auto& view = *sel.view;
    SequenceSet set = ctx.args.sequenceSet();
    std::optional<std::uint64_t> unchangedSince;
    if (ctx.args.accept(Token::Type::ListBegin)) {
        // RFC 7162 3.1.3: (UNCHANGEDSINCE mod-sequence)
        if (!ctx.args.acceptAtom("UNCHANGEDSINCE")) ArgReader::fail("Expected UNCHANGEDSINCE");
        unchangedSince = ctx.args.number64("a mod-sequence");
        ctx.args.expect(Token::Type::ListEnd, ")");
    }
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
    if (unchangedSince) ctx.session.enableCondstore();
    change.flags = flags.flags;
    change.keywords = std::move(flags.keywords);

    auto uids = resolveMessageSet(view, set, ctx.uid);
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    if (uids.empty()) return;
    change.unchangedSince = unchangedSince;
    auto result = view.folder().store(uids, change);
    if (silent) {
        view.suppressOwnChange(result.modseq);
    } else {
        std::vector<std::uint32_t> report;
        std::set_difference(result.matched.begin(), result.matched.end(), result.modified.begin(),
                            result.modified.end(), std::back_inserter(report));
        view.reportFlags(report);
    }
    if (!result.modified.empty()) {
        // The messages changed since UNCHANGEDSINCE: [MODIFIED set] (RFC 7162 3.1.3).
        std::vector<std::uint32_t> numbers;
        for (auto uid : result.modified)
            numbers.push_back(ctx.uid ? uid : *view.seqOf(uid));
        std::sort(numbers.begin(), numbers.end());
        ctx.okCode = [set = SequenceSet::fromSorted(numbers).toString()](ResponseWriter& w) {
            w.code("MODIFIED").atom(set);
        };
        ctx.okText = "Conditional STORE failed for some messages";
    }
}

}  // namespace maildex::core::commands
