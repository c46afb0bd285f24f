#include "core/commands/status_items.h"

#include "index/mailstore.h"

namespace maildex::core::commands {

std::vector<StatusItem> parseStatusItems(ArgReader& args) {
    std::vector<StatusItem> items;
    args.expect(Token::Type::ListBegin, "a list of status items");
    while (!args.accept(Token::Type::ListEnd)) {
        std::string item = args.upperAtom("a status item");
        if (item == "MESSAGES")
            items.push_back(StatusItem::Messages);
        else if (item == "RECENT")
            items.push_back(StatusItem::Recent);
        else if (item == "UIDNEXT")
            items.push_back(StatusItem::UidNext);
        else if (item == "UIDVALIDITY")
            items.push_back(StatusItem::UidValidity);
        else if (item == "UNSEEN")
            items.push_back(StatusItem::Unseen);
        else if (item == "DELETED")
            items.push_back(StatusItem::Deleted);
        else if (item == "DELETED-STORAGE")  // RFC 9208 4.2, with QUOTA=RES-STORAGE
            items.push_back(StatusItem::DeletedStorage);
        else if (item == "SIZE")
            items.push_back(StatusItem::Size);
        else if (item == "HIGHESTMODSEQ")  // RFC 7162 3.1.7
            items.push_back(StatusItem::HighestModseq);
        else if (item == "APPENDLIMIT")  // RFC 7889 4
            items.push_back(StatusItem::AppendLimit);
        else
            ArgReader::fail("Unknown status item " + item);
    }
    if (items.empty()) ArgReader::fail("Empty status item list");
    return items;
}

void writeStatus(CommandContext& ctx, const std::string& imapName, const MailboxRef& mailbox,
                 const std::vector<StatusItem>& items) {
    auto folder = mailbox.store->folder(mailbox.folder);
    auto wants = [&](StatusItem item) {
        return std::find(items.begin(), items.end(), item) != items.end();
    };
    auto st = folder->status(wants(StatusItem::Size), wants(StatusItem::DeletedStorage));
    auto& w = ctx.out();
    w.untagged().atom("STATUS").astring(imapName).open();
    for (auto item : items) {
        switch (item) {
            case StatusItem::Messages:
                w.atom("MESSAGES").number(st.messages);
                break;
            case StatusItem::Recent:
                w.atom("RECENT").number(st.recent);
                break;
            case StatusItem::UidNext:
                w.atom("UIDNEXT").number(st.uidNext);
                break;
            case StatusItem::UidValidity:
                w.atom("UIDVALIDITY").number(st.uidValidity);
                break;
            case StatusItem::Unseen:
                w.atom("UNSEEN").number(st.unseen);
                break;
            case StatusItem::Deleted:
                w.atom("DELETED").number(st.deleted);
                break;
            case StatusItem::DeletedStorage:
                // In KiB like the STORAGE resource (RFC 9208 5.1), rounded up as GETQUOTA
                // rounds the usage: a marked message is never shown as nothing to gain.
                w.atom("DELETED-STORAGE").number((st.deletedStorage + 1023) / 1024);
                break;
            case StatusItem::Size:
                w.atom("SIZE").number(st.size);
                break;
            case StatusItem::HighestModseq:
                w.atom("HIGHESTMODSEQ").number(st.highestModseq);
                break;
            case StatusItem::AppendLimit:
                // One limit for every mailbox (the APPENDLIMIT= capability says it too).
                w.atom("APPENDLIMIT").number(ctx.session.config().limits.maxAppendLiteral);
                break;
        }
    }
    w.close().end();
}

}  // namespace maildex::core::commands
