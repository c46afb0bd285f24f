// APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502), UIDPLUS's APPENDUID (RFC 4315)
// and APPENDLIMIT (RFC 7889; the receiver refuses a literal over the limit before it is
// sent). All messages of one command are stored in one transaction: all or none.

#include "core/acl/flag_rights.h"
#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "core/commands/staged_literal.h"
#include "core/flags_format.h"
#include "core/imap/dates.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

void append(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    std::vector<index::NewMessage> messages;
    do {
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
            if (m.staged->size() == 0)
                throw CommandError("Empty messages cannot be stored", "CANNOT");
        } else {
            if (lit.value.empty()) throw CommandError("Empty messages cannot be stored", "CANNOT");
            m.data = lit.value;
        }
        messages.push_back(std::move(m));
    } while (!ctx.args.atEnd());

    MailboxRef target = existingMailboxFor(ctx, name, true);
    acl::Rights rights = requireRights(ctx, target, "i", name);
    // A flag the user could not set with STORE is not set by APPEND either (RFC 4314 4).
    acl::FlagPermission may = acl::flagPermission(rights);
    for (auto& m : messages) {
        m.flags &= may.systemFlags;
        if (!may.keywords) m.keywords.clear();
    }
    auto folder = target.store->folder(target.folder);
    auto uids = folder->append(messages);
    std::uint32_t validity = folder->uidValidity();
    ctx.okCode = [validity, uids](ResponseWriter& w) {
        w.code("APPENDUID").number(validity).atom(SequenceSet::fromSorted(uids).toString());
    };
    ctx.okText = "APPEND completed";
    if (folder->countsForQuota() && !target.shared()) ctx.session.warnAboutQuota();
}

}  // namespace maildex::core::commands
