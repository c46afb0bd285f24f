#pragma once
// SORT (RFC 5256 section 3, with DISPLAYFROM and DISPLAYTO of RFC 5957): the criteria and
// the ordering.

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/imap/arguments.h"
#include "core/search/search_eval.h"
#include "index/mailbox_view.h"

namespace maildex::core::search {

struct SortCriterion {
    enum class Key { Arrival, Cc, Date, From, Size, Subject, To, DisplayFrom, DisplayTo };
    Key key = Key::Arrival;
    bool reverse = false;
};

// sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"
// sort-criterion = ["REVERSE" SP] sort-key
std::vector<SortCriterion> parseSortCriteria(ArgReader& args);

// One criterion's value per message, as numbers (strings are replaced by their rank).
struct SortColumn {
    std::vector<std::int64_t> values;
    bool reverse = false;
};

// The order of `count` messages by the columns, the first deciding first. Messages equal
// in every column keep their order: "sorted according to the order in which they appear
// in the mailbox" (RFC 5256 section 3). REVERSE reverses only its own column.
std::vector<std::size_t> sortOrder(std::size_t count, const std::vector<SortColumn>& columns);

// The rank of each string among all of them (equal strings, equal ranks), compared as
// octets: the strings are i;unicode-casemap keys (collation.h).
std::vector<std::int64_t> ranks(const std::vector<std::string_view>& strings);

// `matches` (in sequence order) in the order of `criteria`.
std::vector<Match> sortMatches(index::MailboxView& view, const std::vector<Match>& matches,
                               const std::vector<SortCriterion>& criteria);

}  // namespace maildex::core::search
