// index/courier_quota: maildirsize read, recalculated and written as Courier does,
// checked against the real Courier fixture and its GETQUOTAROOT answer.

#include "index/courier_quota.h"

#include <gtest/gtest.h>

#include <fstream>

#include "index/file_util.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

TEST(CourierQuotaFixture, FileAndRecalculationMatchGetQuotaRoot) {
    test::Fixture fx("courier-small");
    std::vector<std::string> warnings;
    auto size = readMaildirSize(fx.maildir(), &warnings);
    ASSERT_TRUE(size);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(size->quota, (MaildirQuota{50000000, 5000}));
    EXPECT_EQ(size->usage, (MaildirUsage{17237, 35}));
    EXPECT_EQ(size->usageLines, 1u);
    EXPECT_FALSE(size->needsRecalculation);

    // Counting the folders the way Courier does gives what Courier wrote.
    EXPECT_EQ(calculateMaildirUsage(fx.maildir()), size->usage);

    // And what IMAP showed: KiB rounded up.
    auto kib = [](std::uint64_t bytes) { return (bytes + 1023) / 1024; };
    std::string quota = "* QUOTA \"ROOT\" (STORAGE " +
                        std::to_string(kib(static_cast<std::uint64_t>(size->usage.bytes))) + " " +
                        std::to_string(kib(size->quota.bytes)) + " MESSAGE " +
                        std::to_string(size->usage.messages) + " " +
                        std::to_string(size->quota.messages) + ")";
    EXPECT_EQ(fx.strings("getquotaroot_inbox").at(1), quota);
}

TEST(CourierQuota, ParsesQuotaDefinitions) {
    EXPECT_EQ(parseMaildirQuota("50000000S,5000C"), (MaildirQuota{50000000, 5000}));
    EXPECT_EQ(parseMaildirQuota("5000C,1000S"), (MaildirQuota{1000, 5000}));
    EXPECT_EQ(parseMaildirQuota("1000S"), (MaildirQuota{1000, 0}));
    EXPECT_TRUE(parseMaildirQuota("").unlimited());
    std::vector<std::string> warnings;
    EXPECT_EQ(parseMaildirQuota("100X,20C", &warnings), (MaildirQuota{0, 20}));
    EXPECT_EQ(warnings.size(), 1u);
    EXPECT_EQ(formatMaildirQuota({50000000, 5000}), "50000000S,5000C");
    EXPECT_EQ(formatMaildirQuota({0, 5000}), "5000C");
    EXPECT_EQ(formatMaildirQuota({}), "");
}

TEST(CourierQuota, StrictDefinitionsAreOnlyNumbersWithSOrC) {
    for (const char* good : {"50000000S,5000C", "5000C,1000S", "1000S", "0C"})
        EXPECT_TRUE(isStrictMaildirQuota(good)) << good;
    for (const char* bad : {"", "abc", "100", "100X", "S", "100S,", ",100S", "100S 5C", "100S,,5C"})
        EXPECT_FALSE(isStrictMaildirQuota(bad)) << bad;
}

TEST(CourierQuota, SumsUsageLinesIncludingRemovals) {
    auto size = parseMaildirSize(
        "1000S\n         500            2\n          28            1\n"
        "        -100           -1\n");
    EXPECT_EQ(size.usage, (MaildirUsage{428, 2}));
    EXPECT_EQ(size.usageLines, 3u);
    EXPECT_FALSE(size.needsRecalculation);
}

TEST(CourierQuota, DamagedLinesAreIgnoredWithWarnings) {
    std::vector<std::string> warnings;
    auto size = parseMaildirSize("1000S\n  10 1\ngarbage\n  12\n  5 1 extra\n  7 1", &warnings);
    EXPECT_EQ(size.usage, (MaildirUsage{22, 3}));
    EXPECT_EQ(size.usageLines, 5u);
    EXPECT_EQ(warnings.size(), 3u);
}

TEST(CourierQuota, AbsurdNumbersAreDamageNotOverflow) {
    std::vector<std::string> warnings;
    auto size = parseMaildirSize("1000S\n 99999999999999999999999 1\n 5 1\n", &warnings);
    EXPECT_EQ(size.usage, (MaildirUsage{5, 1}));
    EXPECT_EQ(warnings.size(), 1u);
}

TEST(CourierQuota, TellsWhenCourierWouldRecalculate) {
    EXPECT_TRUE(parseMaildirSize("1000S\n 10 1\n -20 -2\n").needsRecalculation);
    std::string big = "1000S\n";
    while (big.size() < 5120)
        big += "          28            1\n";
    EXPECT_TRUE(parseMaildirSize(big).needsRecalculation);
}

TEST(CourierQuota, CountsLikeCourier) {
    test::TempMaildir md;
    auto cur = [&](const std::string& folder) { return md.folderDir(folder) / "cur"; };
    md.makeFolder("Sent");
    md.makeFolder("Trash");
    md.makeFolder("Trash.Old");
    put(md.path() / "new" / "1.M1.host,S=100", "x");  // size from the name
    put(cur("") / "2.M2.host,S=200:2,S", "x");
    put(cur("") / "3.M3.host:2,S", "12345");          // no ,S=: stat size
    put(cur("") / "4.M4.host,S=999:2,ST", "x");       // \Deleted: not counted
    put(cur("") / "5.M5.host,S=10,W=12:2,Sab", "x");  // Dovecot name
    put(cur("") / ".hidden", "xxxxxxxxxx");           // not a message
    put(cur("Sent") / "6.M6.host,S=1000:2,S", "x");
    put(cur("Trash") / "7.M7.host,S=5000:2,S", "x");   // Trash itself: not counted
    put(cur("Trash.Old") / "8.M8.host,S=3:2,S", "x");  // its subfolder is
    fs::create_directory_symlink(md.folderDir("Sent"), md.path() / ".Link");  // skipped
    EXPECT_EQ(calculateMaildirUsage(md.path()), (MaildirUsage{100 + 200 + 5 + 10 + 1000 + 3, 6}));
    EXPECT_EQ(calculateMaildirUsage(md.path(), "Sent"),
              (MaildirUsage{100 + 200 + 5 + 10 + 5000 + 3, 6}));
}

TEST(CourierQuota, WritesARecalculatedFile) {
    test::TempMaildir md;
    put(md.path() / "cur" / "1.M1.host,S=17237:2,S", "x");
    put(md.path() / "maildirsize", "100S\n 1 1\n 1 1\n");
    auto usage = recalculateMaildirSize(md.path(), {50000000, 5000});
    EXPECT_EQ(usage, (MaildirUsage{17237, 1}));
    EXPECT_EQ(*readFileIfExists(md.path() / "maildirsize"),
              "50000000S,5000C\n       17237            1\n");
    auto back = readMaildirSize(md.path());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->usage, usage);
    EXPECT_TRUE(fs::is_empty(md.path() / "tmp"));
}

TEST(CourierQuota, MissingFileMeansNoQuota) {
    test::TempMaildir md;
    EXPECT_FALSE(readMaildirSize(md.path()));
}

}  // namespace
}  // namespace maildex::index
