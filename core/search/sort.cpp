#include "core/search/sort.h"

#include <algorithm>
#include <numeric>

#include "core/search/key_cache.h"

namespace maildex::core::search {

namespace {

using Criterion = SortCriterion::Key;

std::optional<SortKey> headerKey(Criterion key) {
    switch (key) {
        case Criterion::Cc:
            return SortKey::Cc;
        case Criterion::Date:
            return SortKey::SentDate;
        case Criterion::From:
            return SortKey::From;
        case Criterion::Subject:
            return SortKey::Subject;
        case Criterion::To:
            return SortKey::To;
        case Criterion::DisplayFrom:
            return SortKey::DisplayFrom;
        case Criterion::DisplayTo:
            return SortKey::DisplayTo;
        case Criterion::Arrival:
        case Criterion::Size:
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::vector<SortCriterion> parseSortCriteria(ArgReader& args) {
    static const struct {
        const char* name;
        Criterion key;
    } kKeys[] = {{"ARRIVAL", Criterion::Arrival},
                 {"CC", Criterion::Cc},
                 {"DATE", Criterion::Date},
                 {"FROM", Criterion::From},
                 {"SIZE", Criterion::Size},
                 {"SUBJECT", Criterion::Subject},
                 {"TO", Criterion::To},
                 {"DISPLAYFROM", Criterion::DisplayFrom},
                 {"DISPLAYTO", Criterion::DisplayTo}};
    std::vector<SortCriterion> criteria;
    args.expect(Token::Type::ListBegin, "a parenthesized list of sort criteria");
    while (!args.accept(Token::Type::ListEnd)) {
        SortCriterion c;
        std::string name = args.upperAtom("a sort criterion");
        if (name == "REVERSE") {
            c.reverse = true;
            name = args.upperAtom("a sort criterion after REVERSE");
        }
        bool known = false;
        for (const auto& k : kKeys)
            if (name == k.name) {
                c.key = k.key;
                known = true;
            }
        if (!known) ArgReader::fail("Unknown sort criterion " + name);
        criteria.push_back(c);
    }
    if (criteria.empty()) ArgReader::fail("Empty list of sort criteria");
    return criteria;
}

std::vector<std::int64_t> ranks(const std::vector<std::string_view>& strings) {
    // Most comparisons are settled by the first sixteen octets as two numbers.
    struct Entry {
        std::uint64_t high, low;
        std::string_view text;
        std::uint32_t index;
    };
    auto octets = [](std::string_view s, std::size_t from) {
        std::uint64_t n = 0;
        for (std::size_t b = from; b < from + 8; ++b)
            n = (n << 8) | (b < s.size() ? static_cast<unsigned char>(s[b]) : 0);
        return n;
    };
    std::vector<Entry> entries(strings.size());
    for (std::size_t i = 0; i < strings.size(); ++i)
        entries[i] = {octets(strings[i], 0), octets(strings[i], 8), strings[i],
                      static_cast<std::uint32_t>(i)};
    auto less = [](const Entry& a, const Entry& b) {
        if (a.high != b.high) return a.high < b.high;
        if (a.low != b.low) return a.low < b.low;
        // The first sixteen octets are equal, unless a string is shorter and was padded.
        if (a.text.size() >= 16 && b.text.size() >= 16)
            return a.text.substr(16) < b.text.substr(16);
        return a.text < b.text;
    };
    std::sort(entries.begin(), entries.end(), less);
    std::vector<std::int64_t> out(strings.size());
    std::int64_t rank = 0;
    for (std::size_t n = 0; n < entries.size(); ++n) {
        if (n > 0 && less(entries[n - 1], entries[n])) ++rank;
        out[entries[n].index] = rank;
    }
    return out;
}

std::vector<std::size_t> sortOrder(std::size_t count, const std::vector<SortColumn>& columns) {
    std::vector<std::size_t> order(count);
    if (columns.size() == 1) {
        // The usual case, on contiguous pairs.
        const SortColumn& c = columns.front();
        std::vector<std::pair<std::int64_t, std::size_t>> keyed(count);
        for (std::size_t i = 0; i < count; ++i)
            keyed[i] = {c.values[i], i};
        std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
            if (a.first != b.first) return c.reverse ? a.first > b.first : a.first < b.first;
            return a.second < b.second;
        });
        for (std::size_t i = 0; i < count; ++i)
            order[i] = keyed[i].second;
        return order;
    }
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        for (const auto& c : columns) {
            std::int64_t x = c.values[a], y = c.values[b];
            if (x != y) return c.reverse ? x > y : x < y;
        }
        return a < b;
    });
    return order;
}

std::vector<Match> sortMatches(index::MailboxView& view, const std::vector<Match>& matches,
                               const std::vector<SortCriterion>& criteria) {
    index::Folder& folder = view.folder();
    index::UidList uids;
    uids.reserve(matches.size());
    for (const auto& m : matches)
        uids.push_back(m.uid);

    // Every header key the criteria need, read in one pass over the messages.
    std::vector<SortKey> keys;
    for (const auto& c : criteria)
        if (auto k = headerKey(c.key); k && std::find(keys.begin(), keys.end(), *k) == keys.end())
            keys.push_back(*k);
    auto values = loadKeys(folder, uids, keys);
    auto valuesOf = [&](SortKey k) -> const std::vector<KeyValue>& {
        return values[static_cast<std::size_t>(std::find(keys.begin(), keys.end(), k) -
                                               keys.begin())];
    };

    std::vector<SortColumn> columns;
    for (const auto& c : criteria) {
        SortColumn col;
        col.reverse = c.reverse;
        col.values.resize(matches.size());
        switch (c.key) {
            // A message gone meanwhile sorts as 0 (its place does not matter).
            case Criterion::Arrival: {
                auto dates = folder.internalDates(uids);
                for (std::size_t i = 0; i < dates.size(); ++i)
                    col.values[i] = dates[i].value_or(0);
                break;
            }
            case Criterion::Size: {
                auto sizes = folder.virtualSizes(uids);
                for (std::size_t i = 0; i < sizes.size(); ++i)
                    col.values[i] = static_cast<std::int64_t>(sizes[i].value_or(0));
                break;
            }
            case Criterion::Date:
                col.values = sentDates(folder, uids, valuesOf(SortKey::SentDate));
                break;
            default: {
                std::vector<std::string_view> strings;
                strings.reserve(matches.size());
                for (const auto& v : valuesOf(*headerKey(c.key)))
                    strings.emplace_back(v.bytes);
                col.values = ranks(strings);
                break;
            }
        }
        columns.push_back(std::move(col));
    }

    std::vector<Match> out;
    out.reserve(matches.size());
    for (auto i : sortOrder(matches.size(), columns))
        out.push_back(matches[i]);
    return out;
}

}  // namespace maildex::core::search
