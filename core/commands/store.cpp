// STORE and UID STORE (RFC 3501 6.4.6), with UNCHANGEDSINCE (RFC 7162 3.1.3).
//
// The FETCH responses are not written here: the handler asks the view to report the
// matched messages, and the session's sync step writes them with every other change.

#include <algorithm>

#include "core/acl/flag_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/message_set.h"
#include "core/commands/requests.h"
#include "core/imap/ascii.h"
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

// Keywords are compared as IMAP compares flags: without regard to case.
bool containsKeyword(const std::vector<std::string>& list, const std::string& k) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& x) { return ascii::iequals(x, k); });
}

// The change limited to the flags the user's rights let them change (RFC 4314 4). A
// replacement ("FLAGS (...)") must leave the others as each message has them, which one
// replacement cannot say: it becomes adding the permitted flags named and removing the
// permitted flags not named. That is two steps, so only a user with such rights (rare:
// an administrator's read-mostly folder) pays for them.
std::vector<index::FlagChange> permittedChanges(const index::FlagChange& asked,
                                                acl::FlagPermission may,
                                                const index::Folder& folder) {
    index::FlagChange allowed = asked;
    allowed.flags &= may.systemFlags;
    if (!may.keywords) allowed.keywords.clear();
    if (asked.mode != index::StoreMode::Replace || may.all()) return {allowed};

    index::FlagChange add = allowed;
    add.mode = index::StoreMode::Add;
    index::FlagChange remove;
    remove.mode = index::StoreMode::Remove;
    remove.flags = static_cast<index::SystemFlags>(may.systemFlags & ~asked.flags);
    if (may.keywords)
        for (auto& k : folder.keywordNames())
            if (!containsKeyword(asked.keywords, k)) remove.keywords.push_back(k);
    return {add, remove};
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
    // Flags the user may not change are left alone, and the STORE still succeeds: RFC
    // 4314 4 allows failing one that can change nothing, but warns that deployed clients
    // handle a NO to STORE badly, and Courier answers OK. The FETCH responses then show
    // the client the flags as they stayed.
    auto changes = permittedChanges(req.change, acl::flagPermission(sel.rights), view.folder());
    auto result = view.folder().store(uids, changes.front());
    if (changes.size() > 1) {
        // The second step (no UNCHANGEDSINCE of its own) touches only what the first did
        // not find modified.
        index::UidList rest;
        std::set_difference(result.matched.begin(), result.matched.end(), result.modified.begin(),
                            result.modified.end(), std::back_inserter(rest));
        auto step = view.folder().store(rest, changes.back());
        if (req.silent && result.modseq != 0) view.suppressOwnChange(result.modseq);
        result.modseq = std::max(result.modseq, step.modseq);
        index::UidList changed;
        std::set_union(result.changed.begin(), result.changed.end(), step.changed.begin(),
                       step.changed.end(), std::back_inserter(changed));
        result.changed = std::move(changed);
    }
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
