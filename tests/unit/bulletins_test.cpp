// Bulletins (index/bulletins.h): which files are bulletins, which are skipped and why, and
// the maildexbulletins record that keeps each to one copy per Maildir, even when several
// sessions deliver at once or a crash cut the record short.

#include "index/bulletins.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "index/quota_account.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kNotice =
    "Subject: Maintenance\nDate: Mon, 7 Dec 2026 10:00:00 +0000\n\nTonight.\n";

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

void writeText(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

std::vector<std::string> inbox(const test::TempMaildir& md) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(md.path() / "new"))
        out.push_back(readText(e.path()));
    return out;
}

BulletinFile good(const std::string& name, const std::string& text = kNotice) {
    return {name, text, {}};
}

TEST(BulletinsTest, ListsRegularFilesButNotDraftsOrDirectories) {
    test::TempMaildir dir;  // any directory will do
    fs::path d = dir.path() / "bulletins";
    EXPECT_TRUE(listBulletins(d).empty());  // missing: no bulletins, no error
    fs::create_directory(d);
    writeText(d / "b-second", kNotice);
    writeText(d / "a-first", kNotice);
    writeText(d / ".draft", kNotice);
    writeText(d / "with\rcontrol", kNotice);
    fs::create_directory(d / "subdir");
    EXPECT_EQ(listBulletins(d), (std::vector<std::string>{"a-first", "b-second"}));
}

TEST(BulletinsTest, AFileThatIsNoMessageIsSkippedWithTheReason) {
    EXPECT_EQ(bulletinProblem(kNotice), "");
    EXPECT_EQ(bulletinProblem(""), "empty");
    EXPECT_NE(bulletinProblem(std::string(kMaxBulletinSize + 1, 'x')).find("larger than"),
              std::string::npos);
    EXPECT_NE(bulletinProblem(std::string("Subject: a\n\n\0b", 15)).find("NUL"), std::string::npos);
    EXPECT_NE(bulletinProblem("Dear users,\n\nbody\n").find("header"), std::string::npos);
    EXPECT_NE(bulletinProblem(": no name\n\n").find("header"), std::string::npos);

    test::TempMaildir dir;
    EXPECT_NE(readBulletin(dir.path() / "missing").problem.find("cannot read"), std::string::npos);
    EXPECT_EQ(readBulletin(dir.path() / "cur").problem, "not a regular file");
    writeText(dir.path() / "huge", "Subject: x\n\n" + std::string(kMaxBulletinSize, 'x'));
    EXPECT_FALSE(readBulletin(dir.path() / "huge").text);
    writeText(dir.path() / "fine", kNotice);
    auto b = readBulletin(dir.path() / "fine");
    EXPECT_EQ(b.name, "fine");
    EXPECT_EQ(b.text.value_or(""), kNotice);
}

TEST(BulletinsTest, DeliveredOnceAndRecordedInTheMaildir) {
    test::TempMaildir md;
    EXPECT_EQ(undeliveredBulletins(md.path(), {"one", "two"}),
              (std::vector<std::string>{"one", "two"}));
    auto r =
        deliverBulletins(md.path(), {good("one"), {"bad", std::nullopt, "empty"}}, nullptr, kNow);
    EXPECT_EQ(r.delivered, std::vector<std::string>{"one"});
    EXPECT_EQ(inbox(md), std::vector<std::string>{kNotice});
    EXPECT_EQ(readText(md.path() / kBulletinStateFile), "one\n");
    EXPECT_EQ(undeliveredBulletins(md.path(), {"one", "two"}), std::vector<std::string>{"two"});
    r = deliverBulletins(md.path(), {good("one")}, nullptr, kNow);
    EXPECT_EQ(r.alreadyDelivered, std::vector<std::string>{"one"});
    EXPECT_EQ(inbox(md).size(), 1u);
    EXPECT_TRUE(fs::is_empty(md.path() / "tmp"));
}

TEST(BulletinsTest, AMessageWithoutADateGetsOne) {
    test::TempMaildir md;
    deliverBulletins(md.path(), {good("undated", "Subject: x\n\nbody\n")}, nullptr, kNow);
    auto got = inbox(md);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].rfind("Date: ", 0), 0u) << got[0];
    EXPECT_NE(got[0].find("\nSubject: x\n\nbody\n"), std::string::npos);
    // A "Date:" in the body is not a header.
    test::TempMaildir md2;
    deliverBulletins(md2.path(), {good("b", "Subject: x\n\nDate: in the body\n")}, nullptr, kNow);
    EXPECT_EQ(inbox(md2)[0].rfind("Date: ", 0), 0u);
}

TEST(BulletinsTest, ARecordCutShortByACrashIsNotMistakenForAName) {
    test::TempMaildir md;
    writeText(md.path() / kBulletinStateFile, "first\nseco");  // "second" was being written
    EXPECT_EQ(undeliveredBulletins(md.path(), {"first", "seco", "second"}),
              (std::vector<std::string>{"seco", "second"}));
    deliverBulletins(md.path(), {good("second")}, nullptr, kNow);
    EXPECT_EQ(readText(md.path() / kBulletinStateFile), "first\nseco\nsecond\n");
    EXPECT_EQ(undeliveredBulletins(md.path(), {"first", "second"}), std::vector<std::string>{});
}

TEST(BulletinsTest, OverQuotaIsLeftForLaterAndCountedWhenDelivered) {
    test::TempMaildir md;
    writeText(md.path() / "maildirsize", "50S\n0 0\n");  // the notice is 75 bytes
    {
        QuotaAccount quota(md.path(), std::nullopt);
        auto r = deliverBulletins(md.path(), {good("n")}, &quota, kNow);
        EXPECT_EQ(r.overQuota, std::vector<std::string>{"n"});
        EXPECT_TRUE(inbox(md).empty());
        EXPECT_EQ(undeliveredBulletins(md.path(), {"n"}), std::vector<std::string>{"n"});
    }
    writeText(md.path() / "maildirsize", "100000S\n0 0\n");
    QuotaAccount quota(md.path(), std::nullopt);
    EXPECT_EQ(deliverBulletins(md.path(), {good("n")}, &quota, kNow).delivered.size(), 1u);
    EXPECT_EQ(quota.usage().bytes, static_cast<std::int64_t>(kNotice.size()));
}

TEST(BulletinsTest, RacingDeliveriesLeaveExactlyOneCopy) {
    // Each thread opens and flocks the record on its own (as two sessions do): the lock is
    // per open file, so threads exclude each other as processes do.
    for (int round = 0; round < 20; ++round) {
        test::TempMaildir md;
        std::atomic<int> ready{0};
        std::atomic<int> delivered{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&] {
                ++ready;
                while (ready < 8) {
                }
                auto r = deliverBulletins(md.path(), {good("a"), good("b")}, nullptr, kNow);
                delivered += static_cast<int>(r.delivered.size());
            });
        for (auto& t : threads)
            t.join();
        EXPECT_EQ(delivered.load(), 2);
        EXPECT_EQ(inbox(md).size(), 2u);
        EXPECT_EQ(readText(md.path() / kBulletinStateFile), "a\nb\n");
    }
}

}  // namespace
}  // namespace maildex::index
