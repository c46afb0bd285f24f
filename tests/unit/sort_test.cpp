// core/search/sort: criteria and ordering (RFC 5256 section 3).

#include "core/search/sort.h"

#include <gtest/gtest.h>

#include "core/imap/receiver.h"

namespace maildex::core::search {
namespace {

using Order = std::vector<std::size_t>;

TEST(Sort, TiesKeepMailboxOrder) {
    SortColumn date{{5, 3, 5, 1}, false};
    EXPECT_EQ(sortOrder(4, {date}), (Order{3, 1, 0, 2}));
}

TEST(Sort, ReverseReversesOnlyItsCriterion) {
    // "REVERSE only reverses a single criterion, and does not affect the implicit
    // 'sequence number' sort criterion": equal subjects stay in mailbox order.
    SortColumn subject{ranks({"B", "A", "B", "A"}), true};
    EXPECT_EQ(sortOrder(4, {subject}), (Order{0, 2, 1, 3}));
    // SUBJECT DATE against REVERSE SUBJECT REVERSE DATE.
    SortColumn date{{1, 2, 3, 4}, false};
    subject.reverse = false;
    EXPECT_EQ(sortOrder(4, {subject, date}), (Order{1, 3, 0, 2}));
    subject.reverse = date.reverse = true;
    EXPECT_EQ(sortOrder(4, {subject, date}), (Order{2, 0, 3, 1}));
}

TEST(Sort, LaterCriteriaBreakTies) {
    SortColumn from{ranks({"X", "Y", "X"}), false};
    SortColumn size{{30, 10, 20}, false};
    EXPECT_EQ(sortOrder(3, {from, size}), (Order{2, 0, 1}));
}

TEST(Sort, RanksCompareOctets) {
    EXPECT_EQ(ranks({"B", "A", "", "B", "A\u0301"}), (std::vector<std::int64_t>{3, 1, 0, 3, 2}));
    // Past the first eight octets, and with NUL octets that look like the end.
    using namespace std::string_view_literals;
    EXPECT_EQ(ranks({"SAME PREFIX B"sv, "SAME PREFIX A"sv, "SAME PRE"sv, "SAME PRE\0"sv,
                     "SAME PREFIX A"sv}),
              (std::vector<std::int64_t>{3, 2, 0, 1, 2}));
}

// The criteria list, read as the arguments of a command.
std::vector<SortCriterion> parse(const std::string& line) {
    Receiver receiver;
    std::string text = "t SORT " + line + "\r\n";
    std::string_view input = text;
    auto result = receiver.parse(input);
    EXPECT_EQ(result.kind, Receiver::Result::Kind::Request) << line;
    ArgReader args(result.request.args);
    return parseSortCriteria(args);
}

TEST(Sort, ParsesCriteria) {
    using K = SortCriterion::Key;
    auto c = parse("(REVERSE arrival cc Date from SIZE subject TO displayfrom REVERSE DISPLAYTO)");
    ASSERT_EQ(c.size(), 9u);
    EXPECT_EQ(c[0].key, K::Arrival);
    EXPECT_TRUE(c[0].reverse);
    EXPECT_EQ(c[1].key, K::Cc);
    EXPECT_FALSE(c[1].reverse);
    EXPECT_EQ(c[7].key, K::DisplayFrom);
    EXPECT_EQ(c[8].key, K::DisplayTo);
    EXPECT_TRUE(c[8].reverse);
    EXPECT_THROW(parse("()"), ParseError);
    EXPECT_THROW(parse("(DATE BOGUS)"), ParseError);
    EXPECT_THROW(parse("(REVERSE)"), ParseError);
    EXPECT_THROW(parse("(REVERSE REVERSE DATE)"), ParseError);
    EXPECT_THROW(parse("DATE"), ParseError);
}

}  // namespace
}  // namespace maildex::core::search
