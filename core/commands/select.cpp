// SELECT, EXAMINE (RFC 3501 6.3.1-2), CHECK, CLOSE (6.4.1-2), UNSELECT (RFC 3691).

#include <algorithm>

#include "core/commands/handlers.h"
#include "core/flags_format.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

// SELECT/EXAMINE parameters (RFC 7162 3.1.8, 3.2.5): (CONDSTORE) or
// (QRESYNC (uidvalidity modseq [known-uids [(seq-set uid-set)]])).
struct QresyncParams {
    std::uint32_t uidValidity = 0;
    std::uint64_t modseq = 0;
    std::optional<SequenceSet> knownUids;
};

std::optional<QresyncParams> parseSelectParams(CommandContext& ctx, bool& condstore) {
    std::optional<QresyncParams> qresync;
    if (!ctx.args.accept(Token::Type::ListBegin)) return qresync;
    while (!ctx.args.accept(Token::Type::ListEnd)) {
        std::string p = ctx.args.upperAtom("a SELECT parameter");
        if (p == "CONDSTORE") {
            condstore = true;
        } else if (p == "QRESYNC") {
            if (!ctx.session.qresync())
                throw CommandError("QRESYNC must be enabled first (ENABLE QRESYNC)", "", true);
            QresyncParams q;
            ctx.args.expect(Token::Type::ListBegin, "(uidvalidity modseq ...)");
            q.uidValidity = ctx.args.number("a UIDVALIDITY");
            q.modseq = ctx.args.number64("a mod-sequence");
            if (!ctx.args.peekIs(Token::Type::ListEnd) && !ctx.args.peekIs(Token::Type::ListBegin))
                q.knownUids = ctx.args.sequenceSet();
            if (ctx.args.accept(Token::Type::ListBegin)) {
                // The sequence match data only saves work; it does not change the answer.
                ctx.args.sequenceSet();
                ctx.args.sequenceSet();
                ctx.args.expect(Token::Type::ListEnd, ")");
            }
            ctx.args.expect(Token::Type::ListEnd, ")");
            qresync = q;
        } else {
            ArgReader::fail("Unknown SELECT parameter " + p);
        }
    }
    return qresync;
}

void open(CommandContext& ctx, bool readOnly) {
    std::string name = ctx.args.astring("a mailbox name");
    bool condstore = false;
    auto qresync = parseSelectParams(ctx, condstore);
    ctx.args.expectEnd();
    // A SELECT that fails leaves no mailbox selected (RFC 3501 6.3.1); with QRESYNC the
    // client is told where the old mailbox's responses end (RFC 7162 3.2.11).
    if (ctx.selectedIfAny() && ctx.session.qresync())
        ctx.out().untagged().ok().code("CLOSED").codeEnd().text("Previous mailbox closed").end();
    ctx.session.deselect();
    // Enabled with nothing selected: the HIGHESTMODSEQ below is the one for this mailbox.
    if (condstore) ctx.session.enableCondstore();
    auto folderName = ctx.session.names().toFolder(name, ctx.session.utf8());
    if (!folderName) throw CommandError("No such mailbox", "NONEXISTENT");
    auto folder = ctx.session.mailstore().folder(*folderName);
    auto view = folder->open(!readOnly, ctx.session.wakeupHandle());

    auto& w = ctx.out();
    std::size_t keywordsAnnounced = writeFlagsResponses(w, *folder, readOnly);
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
    if (ctx.session.condstore())
        w.untagged().ok().code("HIGHESTMODSEQ").number(view->highestModseq()).text("Highest").end();
    if (qresync && qresync->uidValidity == folder->uidValidity()) {
        // RFC 7162 3.2.5.1: what changed since the client's modseq, without it asking.
        std::uint32_t star = view->uids().empty() ? 0 : view->uids().back();
        auto known = [&](std::uint32_t uid) {
            return !qresync->knownUids || qresync->knownUids->contains(uid, star);
        };
        std::vector<std::uint32_t> vanished;
        for (auto uid : folder->expungedSince(qresync->modseq))
            if (known(uid)) vanished.push_back(uid);
        if (!vanished.empty())
            w.untagged()
                .atom("VANISHED")
                .open()
                .atom("EARLIER")
                .close()
                .atom(SequenceSet::fromSorted(vanished).toString())
                .end();
        for (const auto& m : metas) {
            if (m.modseq <= qresync->modseq || !known(m.uid)) continue;
            w.untagged()
                .number(*view->seqOf(m.uid))
                .atom("FETCH")
                .open()
                .atom("UID")
                .number(m.uid)
                .atom("FLAGS");
            writeFlagList(w, m, view->isRecent(m.uid), *folder);
            w.atom("MODSEQ").open().number(m.modseq).close().close().end();
        }
    }

    ctx.session.select(std::move(view), name, readOnly, keywordsAnnounced);
    ctx.okCode = [readOnly](ResponseWriter& w) { w.code(readOnly ? "READ-ONLY" : "READ-WRITE"); };
    ctx.okText = readOnly ? "EXAMINE completed" : "SELECT completed";
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
    // CLOSE expunges silently (no EXPUNGE responses) unless the mailbox is read-only.
    if (!sel.readOnly) sel.view->folder().expungeDeleted();
    ctx.session.deselect();
}

void unselect(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.session.deselect();
}

}  // namespace maildex::core::commands
