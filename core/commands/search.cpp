// SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8) with ESEARCH (RFC 4731) and WITHIN
// (RFC 5032).

#include <ctime>

#include "core/commands/handlers.h"
#include "core/search/search_eval.h"
#include "core/search/search_parser.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void search(CommandContext& ctx) {
    auto program = search::parseSearch(ctx.args, true);
    auto& sel = ctx.selected();
    auto matches =
        search::evaluate(program, *sel.view, static_cast<std::int64_t>(std::time(nullptr)));
    std::vector<std::uint32_t> numbers;
    numbers.reserve(matches.size());
    std::uint64_t highest = 0;
    for (const auto& m : matches) {
        numbers.push_back(ctx.uid ? m.uid : m.seq);
        highest = std::max(highest, m.modseq);
    }
    // RFC 4731 3.2: when ESEARCH returns only MIN and/or MAX, its MODSEQ is the highest
    // mod-sequence of the messages it returns, not of every match.
    const auto& ret = program.ret;
    if (ret.esearch && (ret.min || ret.max) && !ret.all && !ret.count && !matches.empty()) {
        highest = 0;
        if (ret.min) highest = std::max(highest, matches.front().modseq);
        if (ret.max) highest = std::max(highest, matches.back().modseq);
    }
    // RFC 7162 3.1.5: a search with MODSEQ answers with the highest modseq it found.
    bool withModseq = search::usesModseq(program.root) && !numbers.empty();
    if (search::usesModseq(program.root)) ctx.session.enableCondstore();

    auto& w = ctx.out();
    if (!program.ret.esearch) {
        w.untagged().atom("SEARCH");
        for (auto n : numbers)
            w.number(n);
        if (withModseq) w.open().atom("MODSEQ").number(highest).close();
        w.end();
    } else {
        w.untagged().atom("ESEARCH").open().atom("TAG").string(ctx.tag()).close();
        if (ctx.uid) w.atom("UID");
        if (program.ret.min && !numbers.empty()) w.atom("MIN").number(numbers.front());
        if (program.ret.max && !numbers.empty()) w.atom("MAX").number(numbers.back());
        if (program.ret.all && !numbers.empty())
            w.atom("ALL").atom(SequenceSet::fromSorted(numbers).toString());
        if (program.ret.count) w.atom("COUNT").number(numbers.size());
        if (withModseq) w.atom("MODSEQ").number(highest);
        w.end();
    }
    ctx.okText = "SEARCH completed";
}

}  // namespace maildex::core::commands
