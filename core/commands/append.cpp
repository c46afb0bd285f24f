// APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502), UIDPLUS's APPENDUID (RFC 4315)
// and APPENDLIMIT (RFC 7889; the receiver refuses a literal over the limit before it is
// sent). All messages of one command are stored in one transaction: all or none. REPLACE
// (RFC 8508) is an APPEND that takes the old message out of the selected mailbox.

#include "core/acl/flag_rights.h"
#include "core/commands/copy_across.h"
#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "core/commands/message_set.h"
#include "core/commands/staged_literal.h"
#include "core/flags_format.h"
#include "core/imap/dates.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

// One message of APPEND (append-message, RFC 3502): optional flags, optional date, literal.
index::NewMessage parseMessage(CommandContext& ctx) {
    index::NewMessage m;
    if (ctx.args.peekIs(Token::Type::ListBegin)) {
        ParsedFlags flags = parseFlagList(ctx.args, false);
        m.flags = flags.flags;
        m.keywords = std::move(flags.keywords);
    }
    if (ctx.args.peekIs(Token::Type::Quoted)) {
        std::string date = ctx.args.string("a date-time");
        auto t = parseDateTime(date);
        if (!t) ArgReader::fail("Invalid date-time '" + date + "'");
        m.internalDate = *t;
    }
    const Token& lit = ctx.args.next("the message as a literal");
    if (lit.type != Token::Type::Literal) ArgReader::fail("Expected the message as a literal");
    if (auto* staged = dynamic_cast<StagedLiteral*>(lit.sink.get())) {
        m.staged = staged->take();  // received into a file as it arrived
        if (m.staged->size() == 0) throw CommandError("Empty messages cannot be stored", "CANNOT");
    } else {
        if (lit.value.empty()) throw CommandError("Empty messages cannot be stored", "CANNOT");
        m.data = lit.value;
    }
    return m;
}

struct Appended {
    std::uint32_t uidValidity = 0;
    std::vector<std::uint32_t> uids;
};

// Stores the messages into the mailbox the client named, which must exist and take
// insertions from the user; flags the user could not set with STORE are not set either
// (RFC 4314 4).
Appended appendTo(CommandContext& ctx, const std::string& name,
                  std::vector<index::NewMessage>& messages) {
    MailboxRef target = existingMailboxFor(ctx, name, true);
    acl::Rights rights = requireRights(ctx, target, "i", name);
    acl::FlagPermission may = acl::flagPermission(rights);
    for (auto& m : messages) {
        m.flags &= may.systemFlags;
        if (!may.keywords) m.keywords.clear();
    }
    auto folder = target.store->folder(target.folder);
    Appended done{0, folder->append(messages)};
    done.uidValidity = folder->uidValidity();
    if (folder->countsForQuota() && !target.shared()) ctx.session.warnAboutQuota();
    return done;
}

void writeAppendUid(ResponseWriter& w, const Appended& a) {
    w.code("APPENDUID").number(a.uidValidity).atom(SequenceSet::fromSorted(a.uids).toString());
}

}  // namespace

void append(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    std::vector<index::NewMessage> messages;
    do {
        messages.push_back(parseMessage(ctx));
    } while (!ctx.args.atEnd());
    Appended done = appendTo(ctx, name, messages);
    ctx.okCode = [done](ResponseWriter& w) { writeAppendUid(w, done); };
    ctx.okText = "APPEND completed";
}

// REPLACE and UID REPLACE (RFC 8508): the new message is appended to the mailbox named
// (the selected one or another) and the old one leaves the selected mailbox, as MOVE
// takes its messages out: the APPENDUID comes in an untagged OK before the EXPUNGE
// (section 3.3), which the session's sync step writes after this. The registry asks for
// "t" and "e" on the selected mailbox (section 4.1 of RFC 8508); appendTo for "i" on
// the target. A message number beyond the mailbox is BAD as for every command; a UID
// that is not there, NO.
void replace(CommandContext& ctx) {
    std::uint32_t number = ctx.args.number("a message number");
    std::string name = ctx.args.astring("a mailbox name");
    std::vector<index::NewMessage> messages;
    messages.push_back(parseMessage(ctx));
    ctx.args.expectEnd();
    auto& sel = ctx.selected();
    if (sel.readOnly) throw CommandError("Mailbox is read-only", "READ-ONLY");
    auto old = resolveMessageSet(*sel.view, SequenceSet::fromSorted({number}), ctx.uid);
    if (old.empty()) throw CommandError("No such message", "NONEXISTENT");
    Appended done = appendTo(ctx, name, messages);
    removeMoved(*sel.view, old);
    auto& w = ctx.out().untagged().ok();
    writeAppendUid(w, done);
    w.text("Replacement message ready").end();
    ctx.okText = "REPLACE completed";
}

}  // namespace maildex::core::commands
