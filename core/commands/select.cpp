// SELECT, EXAMINE (RFC 3501 6.3.1-2) with CONDSTORE and QRESYNC (RFC 7162 3.1.8, 3.2.5),
// CHECK, CLOSE (6.4.1-2), UNSELECT (RFC 3691).

#include <algorithm>

#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/requests.h"
#include "core/flags_format.h"
#include "index/layout.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

// What SELECT and EXAMINE tell the client after FLAGS and PERMANENTFLAGS, in order (RFC
// 3501 6.3.1, RFC 7162 3.1.8 and 3.2.5.1).
struct SelectResponse {
    std::uint32_t exists = 0;
    std::uint32_t recent = 0;
    std::optional<std::uint64_t> firstUnseen;  // sequence number
    std::uint32_t uidValidity = 0;
    std::uint32_t uidNext = 0;
    std::optional<std::uint64_t> highestModseq;  // with CONDSTORE enabled
    // QRESYNC: the known UIDs expunged since the client's mod-sequence, and the messages
    // whose flags changed since it (in mailbox order).
    std::vector<std::uint32_t> vanished;
    std::vector<index::MessageMeta> changed;
};

SelectResponse describe(const index::MailboxView& view, index::Folder& folder, bool condstore,
                        const std::optional<QresyncParams>& qresync) {
    SelectResponse r;
    r.exists = view.exists();
    r.recent = view.recentCount();
    auto metas = view.meta(view.uids());
    auto firstUnseen = std::find_if(metas.begin(), metas.end(), [](const index::MessageMeta& m) {
        return !(m.flags & index::flag::Seen);
    });
    if (firstUnseen != metas.end())
        r.firstUnseen = static_cast<std::uint64_t>(firstUnseen - metas.begin()) + 1;
    r.uidValidity = folder.uidValidity();
    r.uidNext = folder.uidNext();
    if (condstore) r.highestModseq = view.highestModseq();
    // RFC 7162 3.2.5.1: what changed since the client's modseq, without it asking; only
    // when the mailbox is the one the client knew (same UIDVALIDITY).
    if (qresync && qresync->uidValidity == folder.uidValidity()) {
        std::uint32_t star = view.uids().empty() ? 0 : view.uids().back();
        auto known = [&](std::uint32_t uid) {
            return !qresync->knownUids || qresync->knownUids->contains(uid, star);
        };
        for (auto uid : folder.expungedSince(qresync->modseq))
            if (known(uid)) r.vanished.push_back(uid);
        for (auto& m : metas)
            if (m.modseq > qresync->modseq && known(m.uid)) r.changed.push_back(std::move(m));
    }
    return r;
}

void writeSelectResponse(ResponseWriter& w, const SelectResponse& r, const index::MailboxView& view,
                         const index::Folder& folder) {
    w.untagged().number(r.exists).atom("EXISTS").end();
    w.untagged().number(r.recent).atom("RECENT").end();
    if (r.firstUnseen)
        w.untagged().ok().code("UNSEEN").number(*r.firstUnseen).text("First unseen").end();
    w.untagged().ok().code("UIDVALIDITY").number(r.uidValidity).text("UIDs valid").end();
    w.untagged().ok().code("UIDNEXT").number(r.uidNext).text("Predicted next UID").end();
    if (r.highestModseq)
        w.untagged().ok().code("HIGHESTMODSEQ").number(*r.highestModseq).text("Highest").end();
    if (!r.vanished.empty())
        w.untagged()
            .atom("VANISHED")
            .open()
            .atom("EARLIER")
            .close()
            .atom(SequenceSet::fromSorted(r.vanished).toString())
            .end();
    for (const auto& m : r.changed) {
        w.untagged()
            .number(*view.seqOf(m.uid))
            .atom("FETCH")
            .open()
            .atom("UID")
            .number(m.uid)
            .atom("FLAGS");
        writeFlagList(w, m, view.isRecent(m.uid), folder);
        w.atom("MODSEQ").open().number(m.modseq).close().close().end();
    }
}

// The mailbox SELECT and EXAMINE name, which must exist; a name that leads to no folder
// is answered the same way whatever the reason (outside the namespaces, an account not
// shared), so that nothing about other accounts shows.
MailboxRef selectable(CommandContext& ctx, const std::string& name) {
    try {
        MailboxRef mailbox = mailboxFor(ctx, name);
        if (mailbox.store->exists(mailbox.folder)) return mailbox;
    } catch (const CommandError&) {
    }
    throw CommandError("No such mailbox", "NONEXISTENT");
}

void open(CommandContext& ctx, bool readOnly) {
    SelectRequest req = parseSelect(ctx.args);
    if (req.qresync && !ctx.session.qresync())
        throw CommandError("QRESYNC must be enabled first (ENABLE QRESYNC)", "", true);
    // A SELECT that fails leaves no mailbox selected (RFC 3501 6.3.1); with QRESYNC the
    // client is told where the old mailbox's responses end (RFC 7162 3.2.11).
    if (ctx.selectedIfAny() && ctx.session.qresync())
        ctx.out().untagged().ok().code("CLOSED").codeEnd().text("Previous mailbox closed").end();
    ctx.session.deselect();
    // Enabled with nothing selected: the HIGHESTMODSEQ below is the one for this mailbox.
    if (req.condstore) ctx.session.enableCondstore();
    MailboxRef mailbox = selectable(ctx, req.mailbox);
    // Taken before the rights are read, so that a change made in between counts.
    const auto rightsSignature = aclSignature(mailbox);
    acl::Rights rights = myRights(ctx, mailbox);
    requireRights(ctx, rights, "r", req.mailbox);
    if (opensReadOnly(rights)) readOnly = true;
    auto folder = mailbox.store->folder(mailbox.folder);
    auto view = folder->open(!readOnly, ctx.session.wakeupHandle());

    auto& w = ctx.out();
    std::size_t keywordsAnnounced = writeFlagsResponses(w, *folder, readOnly, rights);
    auto response = describe(*view, *folder, ctx.session.condstore(), req.qresync);
    writeSelectResponse(w, response, *view, *folder);

    ctx.session.select(std::move(view), req.mailbox, readOnly, keywordsAnnounced, rights);
    auto& selected = ctx.selected();
    selected.rightsSignature = rightsSignature;
    selected.sharedPath = std::move(mailbox.sharedPath);
    selected.ownerLogin = std::move(mailbox.ownerLogin);
    ctx.okCode = [readOnly](ResponseWriter& w) { w.code(readOnly ? "READ-ONLY" : "READ-WRITE"); };
    ctx.okText = ctx.request.name == "EXAMINE" ? "EXAMINE completed" : "SELECT completed";
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
    ctx.selected().view->folder().sync();
}

void close(CommandContext& ctx) {
    ctx.args.expectEnd();
    auto& sel = ctx.selected();
    // CLOSE expunges silently (no EXPUNGE responses) unless the mailbox is read-only or
    // the user may not expunge it (RFC 4314 4: then CLOSE only closes).
    if (!sel.readOnly && sel.rights.has('e')) sel.view->folder().expungeDeleted();
    ctx.session.deselect();
}

void unselect(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.session.deselect();
}

}  // namespace maildex::core::commands
