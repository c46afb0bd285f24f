// The live Maildir++ quota (index/quota_account.h): checks and usage lines as Courier's
// maildirquota.C makes them, side by side with the real deliverquota (courier-base)
// writing the same maildirsize.

#include "index/quota_account.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <utime.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

std::string readText(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

void writeText(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

// A message file of `size` bytes in cur/ (with ",S=" in its name, as deliverquota names).
void putMessage(const test::TempMaildir& md, const std::string& folder, int n, std::size_t size,
                const std::string& flags = "S") {
    auto dir = md.path() / (folder.empty() ? "" : "." + folder) / "cur";
    std::filesystem::create_directories(dir);
    writeText(
        dir / ("100" + std::to_string(n) + ".M1P1.host,S=" + std::to_string(size) + ":2," + flags),
        std::string(size, 'x'));
}

// Runs the real deliverquota; its exit status (75: over quota).
int deliverquota(const test::TempMaildir& md, const std::string& message) {
    std::string cmd = "\"$(command -v deliverquota.courier || echo deliverquota)\" '" +
                      md.path().string() + "' >/dev/null 2>&1";
    FILE* p = ::popen(cmd.c_str(), "w");
    std::fwrite(message.data(), 1, message.size(), p);
    int status = ::pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool haveDeliverquota() {
    return std::system("command -v deliverquota >/dev/null 2>&1") == 0;
}

TEST(QuotaAccountTest, WithoutAQuotaNothingIsCheckedOrWritten) {
    test::TempMaildir md;
    QuotaAccount q(md.path(), std::nullopt);
    EXPECT_FALSE(q.limited());
    EXPECT_TRUE(q.mayAdd(1'000'000'000, 1000));
    q.record(100, 1);
    EXPECT_FALSE(std::filesystem::exists(md.path() / "maildirsize"));
}

TEST(QuotaAccountTest, AnAccountQuotaMakesTheFileAsCourierWritesIt) {
    test::TempMaildir md;
    putMessage(md, "", 1, 300);
    putMessage(md, "Work", 2, 200);
    putMessage(md, "Trash", 3, 5000);   // Trash does not count
    putMessage(md, "", 4, 7000, "ST");  // nor does a message with \Deleted
    QuotaAccount q(md.path(), MaildirQuota{1000, 10});
    EXPECT_TRUE(q.limited());
    EXPECT_TRUE(q.mayAdd(400, 1));
    EXPECT_EQ(readText(md.path() / "maildirsize"), "1000S,10C\n         500            2\n");
    q.record(400, 1);
    EXPECT_EQ(readText(md.path() / "maildirsize"),
              "1000S,10C\n         500            2\n         400            1\n");
    EXPECT_EQ(q.usage(), (MaildirUsage{900, 3}));
    EXPECT_EQ(q.percentUsed(), 90);
}

TEST(QuotaAccountTest, AnAdditionOverTheQuotaIsRefusedEvenFromUnderIt) {
    test::TempMaildir md;
    putMessage(md, "", 1, 900);
    QuotaAccount q(md.path(), MaildirQuota{1000, 0});
    EXPECT_TRUE(q.mayAdd(100, 1));   // exactly at the quota: allowed
    EXPECT_FALSE(q.mayAdd(101, 1));  // one byte over: refused, under it before or not
    q.record(-900, -1);              // removals are recorded whatever the quota
    EXPECT_TRUE(q.mayAdd(1000, 1));
}

TEST(QuotaAccountTest, AFreshOneLineFileOverQuotaIsBelievedWithoutCounting) {
    test::TempMaildir md;
    writeText(md.path() / "maildirsize", "1000S\n        2000            1\n");
    QuotaAccount q(md.path(), std::nullopt);
    EXPECT_FALSE(q.mayAdd(1, 1));
    EXPECT_EQ(readText(md.path() / "maildirsize"), "1000S\n        2000            1\n");
    // Older than 15 minutes, it is counted again: the Maildir is empty.
    struct utimbuf old = {std::time(nullptr) - 3600, std::time(nullptr) - 3600};
    ::utime((md.path() / "maildirsize").c_str(), &old);
    QuotaAccount later(md.path(), std::nullopt);
    EXPECT_TRUE(later.mayAdd(1, 1));
    EXPECT_EQ(readText(md.path() / "maildirsize"), "1000S\n           0            0\n");
}

TEST(QuotaAccountTest, ANegativeOrOverlongFileIsCountedAgain) {
    test::TempMaildir md;
    putMessage(md, "", 1, 100);
    writeText(md.path() / "maildirsize",
              "5000S\n         100            1\n        -500           -2\n");
    QuotaAccount negative(md.path(), std::nullopt);
    EXPECT_TRUE(negative.mayAdd(10, 1));
    EXPECT_EQ(negative.usage(), (MaildirUsage{100, 1}));
    std::string longFile = "5000S\n";
    while (longFile.size() < 5200)
        longFile += "           1            0\n";
    writeText(md.path() / "maildirsize", longFile);
    QuotaAccount overlong(md.path(), std::nullopt);
    EXPECT_TRUE(overlong.mayAdd(10, 1));
    EXPECT_EQ(readText(md.path() / "maildirsize"), "5000S\n         100            1\n");
}

TEST(QuotaAccountTest, TheAccountQuotaReplacesTheFilesQuota) {
    test::TempMaildir md;
    putMessage(md, "", 1, 100);
    writeText(md.path() / "maildirsize", "5000S\n         100            1\n");
    QuotaAccount q(md.path(), MaildirQuota{0, 1});
    EXPECT_FALSE(q.mayAdd(10, 1));  // one message at most, and there is one
    EXPECT_EQ(readText(md.path() / "maildirsize"), "1C\n         100            1\n");
}

TEST(QuotaAccountTest, DeliverquotaAndMaildexKeepOneSum) {
    if (!haveDeliverquota()) GTEST_SKIP() << "deliverquota (courier-base) is not installed";
    test::TempMaildir md;
    writeText(md.path() / "maildirsize", "10000S,100C\n");
    std::string message = "Subject: hello\n\n" + std::string(1000, 'b') + "\n";
    ASSERT_EQ(deliverquota(md, message), 0);
    {
        QuotaAccount q(md.path(), std::nullopt);
        ASSERT_TRUE(q.mayAdd(3000, 1));
        putMessage(md, "", 7, 3000);
        q.record(3000, 1);
    }
    ASSERT_EQ(deliverquota(md, message), 0);
    // The sum of everyone's lines is what a fresh count says.
    auto size = readMaildirSize(md.path());
    ASSERT_TRUE(size);
    EXPECT_EQ(size->usage, calculateMaildirUsage(md.path()));
    // Filled up by Maildex, deliverquota refuses as Maildex does.
    {
        QuotaAccount q(md.path(), std::nullopt);
        std::int64_t room = 10000 - q.usage().bytes;
        ASSERT_TRUE(q.mayAdd(room, 1));
        putMessage(md, "", 8, static_cast<std::size_t>(room));
        q.record(room, 1);
        EXPECT_FALSE(q.mayAdd(1, 1));
    }
    EXPECT_EQ(deliverquota(md, message), 75);
}

}  // namespace
}  // namespace maildex::index
