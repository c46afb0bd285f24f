// SORT and UID SORT (RFC 5256 section 3; DISPLAYFROM and DISPLAYTO of RFC 5957).
//
//   sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria
//   search-criteria = charset 1*(SP search-key)
//
// Unlike SEARCH, the charset is not optional, and a charset the server cannot convert is
// a NO [BADCHARSET] even when no key holds a string.

#include <ctime>

#include "core/commands/handlers.h"
#include "core/search/search_eval.h"
#include "core/search/search_parser.h"
#include "core/search/sort.h"

namespace maildex::core::commands {

void sort(CommandContext& ctx) {
    if (ctx.session.config().disableThreadSort)
        throw CommandError("SORT is disabled on this server (IMAP_DISABLETHREADSORT)", "CANNOT");
    auto criteria = search::parseSortCriteria(ctx.args);
    auto program = search::parseCharsetAndKeys(ctx.args);
    auto& sel = ctx.selected();

    auto matches =
        search::evaluate(program, *sel.view, static_cast<std::int64_t>(std::time(nullptr)));
    auto sorted = search::sortMatches(*sel.view, matches, criteria);

    auto& w = ctx.out();
    w.untagged().atom("SORT");
    for (const auto& m : sorted)
        w.number(ctx.uid ? m.uid : m.seq);
    w.end();
    ctx.okText = "SORT completed";
}

}  // namespace maildex::core::commands
