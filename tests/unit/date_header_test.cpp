// core/message/date_header: RFC 5322 dates as real mail writes them.

#include "core/message/date_header.h"

#include <gtest/gtest.h>

namespace maildex::core {
namespace {

TEST(DateHeader, ParsesCommonForms) {
    auto d = parseHeaderDate("Tue, 14 Nov 2023 22:13:20 +0000");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->unixTime, 1700000000);
    EXPECT_EQ(d->offsetSeconds, 0);
    d = parseHeaderDate("Wed, 15 Nov 2023 23:13:20 -0100");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->unixTime, 1700093600);
    EXPECT_EQ(d->offsetSeconds, -3600);
    d = parseHeaderDate("14 Nov 2023 22:13:20 GMT");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->unixTime, 1700000000);
    d = parseHeaderDate("Tue, 14 Nov 2023 23:13:20 +0100 (CET)");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->unixTime, 1700000000);
    EXPECT_EQ(d->offsetSeconds, 3600);
    d = parseHeaderDate("Tue, 14 Nov 23 22:13 +0000");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->unixTime, 1699999980);
}

TEST(DateHeader, RefusesGarbage) {
    EXPECT_FALSE(parseHeaderDate(""));
    EXPECT_FALSE(parseHeaderDate("yesterday"));
    EXPECT_FALSE(parseHeaderDate("(just a comment)"));
}

}  // namespace
}  // namespace maildex::core
