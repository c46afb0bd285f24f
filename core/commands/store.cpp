// STORE and UID STORE (RFC 3501 6.4.6), with UNCHANGEDSINCE (RFC 7162 3.1.3).
//
// The FETCH responses are not written here: the handler asks the view to report the
// matched messages, and the session's sync step writes them with every other change.

#include <algorithm>

#include "core/commands/handlers.h"
#include "core/commands/message_set.h"
#include "core/commands/requests.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

namespace {

// The tagged OK of a conditional STORE that left some messages alone: [MODIFIED set]
// (RFC 7162 3.1.3), in the numbers the command used.
void reportModified(CommandContext& ctx, const index::MailboxView& view,
                    const std::vector<std::uint32_t>& modifiedUids) {
    std::vector<std::uint32_t> numbers;
    for (auto uid : modifiedUids)
        numbers.push_back(ctx.uid ? uid : *view.seqOf(uid));
    std::sort(numbers.begin(), numbers.end());
    ctx.okCode = [set = SequenceSet::fromSorted(numbers).toString()](ResponseWriter& w) {
        w.code("MODIFIED").atom(set);
    };
    ctx.okText = "Conditional STORE failed for some messages";
}

}  // namespace

void store(CommandContext& ctx) {
    StoreRequest req = parseStore(ctx.args);
    auto& sel = ctx.selected();
    auto& view = *sel.view;
    // A sequence number beyond the mailbox is a BAD too: found before anything changes.
    auto uids = resolveMessageSet(view, req.set, ctx.uid);
    if (req.change.unchangedSince) ctx.session.enableCondstore();
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    if (uids.empty()) return;
    auto result = view.folder().store(uids, req.change);
    if (req.silent) {
        view.suppressOwnChange(result.modseq);
    } else {
        std::vector<std::uint32_t> report;
        std::set_difference(result.matched.begin(), result.matched.end(), result.modified.begin(),
                            result.modified.end(), std::back_inserter(report));
        view.reportFlags(report);
    }
    if (!result.modified.empty()) reportModified(ctx, view, result.modified);
}

}  // namespace maildex::core::commands
