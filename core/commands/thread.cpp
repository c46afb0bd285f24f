// THREAD and UID THREAD (RFC 5256 sections 3 and 4).
//
//   thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
//   thread-alg = "ORDEREDSUBJECT" / "REFERENCES"

#include <ctime>

#include "core/commands/handlers.h"
#include "core/search/key_cache.h"
#include "core/search/search_eval.h"
#include "core/search/search_parser.h"
#include "core/search/thread.h"

namespace maildex::core::commands {

namespace {

// What the algorithm needs of each matching message, in sequence order.
std::vector<search::ThreadMessage> threadMessages(CommandContext& ctx, index::MailboxView& view,
                                                  const std::vector<search::Match>& matches,
                                                  bool references) {
    using search::SortKey;
    index::UidList uids;
    uids.reserve(matches.size());
    for (const auto& m : matches)
        uids.push_back(m.uid);
    std::vector<SortKey> keys{SortKey::Subject, SortKey::SentDate};
    if (references) keys.push_back(SortKey::ThreadIds);
    auto values = search::loadKeys(view.folder(), uids, keys);
    auto dates = search::sentDates(view.folder(), uids, values[1]);

    std::vector<search::ThreadMessage> messages(matches.size());
    for (std::size_t i = 0; i < matches.size(); ++i) {
        auto& m = messages[i];
        m.number = ctx.uid ? matches[i].uid : matches[i].seq;
        m.sentDate = dates[i];
        m.subject = std::move(values[0][i].bytes);
        m.replyOrForward = values[0][i].number.value_or(0) != 0;
        if (references) {
            auto ids = search::decodeThreadIds(values[2][i].bytes);
            m.messageId = std::move(ids.messageId);
            m.references = std::move(ids.references);
        }
    }
    return messages;
}

}  // namespace

void thread(CommandContext& ctx) {
    if (ctx.session.config().disableThreadSort)
        throw CommandError("THREAD is disabled on this server (IMAP_DISABLETHREADSORT)", "CANNOT");
    std::string algorithm = ctx.args.upperAtom("a threading algorithm");
    if (algorithm != "ORDEREDSUBJECT" && algorithm != "REFERENCES")
        ArgReader::fail("Unknown threading algorithm " + algorithm);
    auto program = search::parseCharsetAndKeys(ctx.args);
    auto& sel = ctx.selected();

    auto matches =
        search::evaluate(program, *sel.view, static_cast<std::int64_t>(std::time(nullptr)));
    bool references = algorithm == "REFERENCES";
    auto messages = threadMessages(ctx, *sel.view, matches, references);
    auto tree =
        references ? search::threadReferences(messages) : search::threadOrderedSubject(messages);

    auto& w = ctx.out();
    w.untagged().atom("THREAD");
    search::writeThreads(w, tree);
    w.end();
    ctx.okText = "THREAD completed";
}

}  // namespace maildex::core::commands
