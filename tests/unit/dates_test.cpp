// core/imap/dates.

#include "core/imap/dates.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace maildex::core {
namespace {

TEST(Dates, ParsesDateTime) {
    EXPECT_EQ(parseDateTime("14-Nov-2023 22:13:20 +0000"), 1700000000);
    EXPECT_EQ(parseDateTime(" 4-Jan-2024 01:00:00 +0100"), 1704326400);
    EXPECT_EQ(parseDateTime("01-jan-1970 00:00:00 -0130"), 5400);
    for (const char* bad :
         {"", "14-Nov-2023", "32-Jan-2024 00:00:00 +0000", "29-Feb-2023 00:00:00 +0000",
          "14-Nov-2023 25:00:00 +0000", "14-Foo-2023 22:13:20 +0000", "14-Nov-2023 22:13:20 0000"})
        EXPECT_FALSE(parseDateTime(bad)) << bad;
    EXPECT_TRUE(parseDateTime("29-Feb-2024 00:00:00 +0000"));
}

TEST(Dates, ParsesSearchDate) {
    EXPECT_EQ(parseDate("1-Feb-1994"), 760060800);
    EXPECT_EQ(parseDate("01-Feb-1994"), 760060800);
    EXPECT_FALSE(parseDate("1-Feb-94"));
    EXPECT_FALSE(parseDate("123-Feb-1994"));
}

TEST(Dates, FormatsInternalDate) {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(formatDateTime(1700000000), "14-Nov-2023 22:13:20 +0000");
    EXPECT_EQ(formatDateTime(1704067200), "01-Jan-2024 00:00:00 +0000");
}

}  // namespace
}  // namespace maildex::core
