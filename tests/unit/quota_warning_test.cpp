// The quota warning (index/quota_warning.h): when it goes into INBOX, what it says, and the
// quotawarn file that keeps it to one a day, shared with Courier's deliverquota -w.

#include "index/quota_warning.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1'800'000'000;

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

void writeText(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

std::vector<fs::path> newFiles(const test::TempMaildir& md) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(md.path() / "new"))
        out.push_back(e.path());
    return out;
}

// A Maildir with one message of `used` bytes and a quota of 1000 bytes (so that a recount
// finds what maildirsize says).
void fill(const test::TempMaildir& md, int used) {
    writeText(md.path() / "cur" / ("1700000000.M1P1.host,S=" + std::to_string(used) + ":2,S"),
              std::string(static_cast<std::size_t>(used), 'x'));
    writeText(md.path() / "maildirsize", "1000S\n" + std::to_string(used) + " 1\n");
}

void setMtime(const fs::path& p, std::int64_t t) {
    struct timespec times[2] = {{static_cast<time_t>(t), 0}, {static_cast<time_t>(t), 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
}

TEST(QuotaWarningTest, NothingBelowThePercentageOrWithoutAQuotaOrWhenOff) {
    test::TempMaildir md;
    QuotaWarningSettings settings{90, {}};
    {
        QuotaAccount none(md.path(), std::nullopt);
        EXPECT_EQ(warnIfNearQuota(md.path(), none, settings, kNow), QuotaWarning::NotNeeded);
    }
    fill(md, 899);
    {
        QuotaAccount below(md.path(), std::nullopt);
        EXPECT_EQ(warnIfNearQuota(md.path(), below, settings, kNow), QuotaWarning::NotNeeded);
    }
    fill(md, 950);
    {
        QuotaAccount off(md.path(), std::nullopt);
        EXPECT_EQ(warnIfNearQuota(md.path(), off, {0, {}}, kNow), QuotaWarning::NotNeeded);
    }
    EXPECT_TRUE(newFiles(md).empty());
    EXPECT_FALSE(fs::exists(md.path() / "quotawarn"));
}

TEST(QuotaWarningTest, AtThePercentageTheSitesTextGoesIntoInboxOnceADay) {
    test::TempMaildir md;
    fill(md, 900);
    auto text = md.root() / "quotawarnmsg";
    writeText(text, "From: Postmaster <postmaster@example.com>\nSubject: Quota\n\nFull.\n");
    QuotaWarningSettings settings{90, text};
    QuotaAccount account(md.path(), std::nullopt);
    ASSERT_EQ(warnIfNearQuota(md.path(), account, settings, kNow), QuotaWarning::Delivered);

    auto files = newFiles(md);
    ASSERT_EQ(files.size(), 1u);
    std::string message = readText(files[0]);
    EXPECT_EQ(message.rfind("Date: ", 0), 0u) << message;
    EXPECT_NE(message.find("\nMessage-Id: <1800000000.overquota@"), std::string::npos);
    EXPECT_NE(
        message.find(">\nFrom: Postmaster <postmaster@example.com>\nSubject: Quota\n\nFull.\n"),
        std::string::npos)
        << message;
    std::string name = files[0].filename().string();
    EXPECT_NE(name.find(",S=" + std::to_string(message.size())), std::string::npos) << name;
    // Counted, although it takes the Maildir over its quota.
    EXPECT_EQ(
        readText(md.path() / "maildirsize"), "1000S\n900 1\n" + [&] {
            char line[32];
            std::snprintf(line, sizeof line, "%12zu %12d\n", message.size(), 1);
            return std::string(line);
        }());
    struct stat st;
    ASSERT_EQ(::stat((md.path() / "quotawarn").c_str(), &st), 0);
    EXPECT_EQ(st.st_mtime, kNow);

    // The same day: no second one, from this account object or a new one.
    EXPECT_EQ(warnIfNearQuota(md.path(), account, settings, kNow + 3600),
              QuotaWarning::AlreadyWarned);
    QuotaAccount later(md.path(), std::nullopt);
    EXPECT_EQ(warnIfNearQuota(md.path(), later, settings, kNow + 86399),
              QuotaWarning::AlreadyWarned);
    EXPECT_EQ(newFiles(md).size(), 1u);
    // A day later, still that full: again.
    EXPECT_EQ(warnIfNearQuota(md.path(), later, settings, kNow + 86400), QuotaWarning::Delivered);
    EXPECT_EQ(newFiles(md).size(), 2u);
}

TEST(QuotaWarningTest, WithoutTheSitesFileTheBuiltInTextSaysThePercentage) {
    test::TempMaildir md;
    fill(md, 960);
    QuotaAccount account(md.path(), std::nullopt);
    ASSERT_EQ(warnIfNearQuota(md.path(), account, {95, md.root() / "no-such-file"}, kNow),
              QuotaWarning::Delivered);
    auto files = newFiles(md);
    ASSERT_EQ(files.size(), 1u);
    std::string message = readText(files[0]);
    EXPECT_NE(message.find("Subject: Mail quota warning\n"), std::string::npos) << message;
    EXPECT_NE(message.find("at least 95% full"), std::string::npos) << message;
    EXPECT_EQ(message.find("\r"), std::string::npos);  // a Maildir file: LF line ends
}

TEST(QuotaWarningTest, AWarningAnotherProgramSentTodayCounts) {
    test::TempMaildir md;
    fill(md, 990);
    // deliverquota -w leaves quotawarn with one byte; Maildex sends none for a day after.
    writeText(md.path() / "quotawarn", std::string(1, '\0'));
    setMtime(md.path() / "quotawarn", kNow - 600);
    QuotaAccount account(md.path(), std::nullopt);
    EXPECT_EQ(warnIfNearQuota(md.path(), account, {90, {}}, kNow), QuotaWarning::AlreadyWarned);
    EXPECT_TRUE(newFiles(md).empty());
    // An empty one (touch) too: Courier looks only at its time.
    writeText(md.path() / "quotawarn", "");
    setMtime(md.path() / "quotawarn", kNow - 600);
    EXPECT_EQ(warnIfNearQuota(md.path(), account, {90, {}}, kNow), QuotaWarning::AlreadyWarned);
    setMtime(md.path() / "quotawarn", kNow - 86400);
    EXPECT_EQ(warnIfNearQuota(md.path(), account, {90, {}}, kNow), QuotaWarning::Delivered);
}

// The other way round, with the real program: after Maildex's warning, deliverquota -w
// sends none the same day (both read the one quotawarn file).
TEST(QuotaWarningTest, DeliverquotaSendsNoneTheDayMaildexDid) {
    if (std::system("command -v deliverquota >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "deliverquota (courier-base) is not installed";
    test::TempMaildir md;
    fill(md, 900);
    auto text = md.root() / "quotawarnmsg";
    writeText(text, "Subject: Quota\n\nFull.\n");
    QuotaAccount account(md.path(), std::nullopt);
    ASSERT_EQ(warnIfNearQuota(md.path(), account, {90, text},
                              static_cast<std::int64_t>(std::time(nullptr))),
              QuotaWarning::Delivered);
    ASSERT_EQ(newFiles(md).size(), 1u);
    // Room for a small message; deliverquota would warn after it were quotawarn older.
    writeText(md.path() / "maildirsize", "100000S\n95000 1\n");
    std::string cmd = "\"$(command -v deliverquota.courier || echo deliverquota)\" -w 90 -W '" +
                      text.string() + "' '" + md.path().string() + "' >/dev/null 2>&1";
    FILE* p = ::popen(cmd.c_str(), "w");
    std::fputs("Subject: hi\n\nhello\n", p);
    int status = ::pclose(p);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(newFiles(md).size(), 2u);  // the delivery, and no second warning
    // With quotawarn a day old, it does warn: the test can tell the two apart.
    setMtime(md.path() / "quotawarn", std::time(nullptr) - 86401);
    p = ::popen(cmd.c_str(), "w");
    std::fputs("Subject: hi again\n\nhello\n", p);
    ::pclose(p);
    EXPECT_EQ(newFiles(md).size(), 4u);
}

}  // namespace
}  // namespace maildex::index
