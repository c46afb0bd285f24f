// tmp/ is cleaned of what Maildex processes that are gone left there (at a folder's first
// use in a process: after a restart, at once), and of any file older than 36 hours (the
// Maildir rules), never of a running process's file or another program's young one.

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "index/file_util.h"
#include "index/maildir_name.h"
#include "tests/support/process.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(TmpCleaning, AFileOlderThan36HoursGoes) {
    test::TempMaildir md;
    auto tmp = md.path() / "tmp";
    std::ofstream(tmp / "1700000000.M1P99999.otherprogram") << "x";
    fs::create_directory(tmp / "adirectory");
    auto now = ::time(nullptr);
    EXPECT_EQ(cleanTmpDirectory(md.path(), now), 0u);
    EXPECT_EQ(cleanTmpDirectory(md.path(), now + kTmpMaxAgeSeconds - 60), 0u);
    EXPECT_EQ(cleanTmpDirectory(md.path(), now + kTmpMaxAgeSeconds + 60), 1u);
    EXPECT_EQ(entries(tmp), std::vector<std::string>{"adirectory"});
}

TEST(TmpCleaning, LeftoversOfGoneMaildexProcessesGoAtFirstUse) {
    test::TempMaildir md;
    auto tmp = md.path() / "tmp";
    auto self = thisTmpFileOwner();
    ASSERT_TRUE(self) << "no /proc";
    const std::string& host = maildirHostname();
    test::Child exited = test::spawn({"/bin/true"}, false);
    test::wait(exited);
    auto named = [&](long pid, std::uint64_t ticks, const char* purpose) {
        return "1700000000.M1P" + std::to_string(pid) + "T" + std::to_string(ticks) + "_" +
               purpose + "_1." + host;
    };
    auto touch = [](const fs::path& p) { std::ofstream(p) << "x"; };
    // Go: a process that exited; a process that had our pid before us; a deleted folder
    // whose process died before removing it.
    touch(tmp / named(exited.pid, 1, "append"));
    touch(tmp / named(self->pid, self->startTicks + 1, "maildex"));
    fs::create_directories(tmp / named(exited.pid, 1, "deleted") / "cur");
    touch(tmp / named(exited.pid, 1, "deleted") / "cur" / "message");
    // Stay: this test process's (it runs); another host's; Courier's and an MDA's names.
    std::string running = uniqueTmpName("append");
    touch(tmp / running);
    std::string otherHost = "1700000000.M1P" + std::to_string(exited.pid) + "T1_append_1.x" + host;
    touch(tmp / otherHost);
    std::string courier = "1700000000.M1P" + std::to_string(exited.pid) + "_1." + host;
    touch(tmp / courier);
    std::string mda = "1700000000.M1P" + std::to_string(exited.pid) + ".mda";
    touch(tmp / mda);
    // Another process opens the folder (a server restarted, say).
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "dump", "INBOX"}), 0);
    std::vector<std::string> stay{running, otherHost, courier, mda};
    std::sort(stay.begin(), stay.end());
    EXPECT_EQ(entries(tmp), stay);
}

// A process's idle STORE intent file (store_journal.cpp) goes with it: removed by itself
// when it lets the folder go, or by the cleaning when it died.
TEST(TmpCleaning, IdleIntentsOfGoneProcessesGo) {
    test::TempMaildir md;
    auto journal = md.path() / "maildexjournal";
    fs::create_directories(journal);
    test::Child exited = test::spawn({"/bin/true"}, false);
    test::wait(exited);
    std::string gone =
        ".1700000000.M1P" + std::to_string(exited.pid) + "T1_store_1." + maildirHostname();
    std::string running = "." + uniqueTmpName("store");
    std::ofstream(journal / gone) << "maildex intent 1\n";
    std::ofstream(journal / running) << "maildex intent 1\n";
    // A process that stores a keyword leaves no intent file behind when it exits.
    md.deliver("", "Subject: a\n\n", false, "S");
    ASSERT_EQ(test::run({INDEX_HELPER, md.path().string(), "store", "INBOX", "1", "+", "", "$A"}),
              0);
    EXPECT_EQ(entries(journal), std::vector<std::string>{running});
}

TEST(TmpCleaning, TmpNamesNameTheirProcess) {
    auto self = thisTmpFileOwner();
    ASSERT_TRUE(self) << "no /proc";
    EXPECT_EQ(tmpFileOwner(uniqueTmpName("append")), self);
    EXPECT_TRUE(tmpFileOwnerRuns(*self));
    EXPECT_FALSE(tmpFileOwnerRuns({self->pid, self->startTicks + 1}));
    EXPECT_FALSE(tmpFileOwner("1700000000.M1P12_1." + maildirHostname()));  // Courier's
    EXPECT_FALSE(tmpFileOwner("1700000000.M1P12T5_append_1.otherhost"));
}

}  // namespace
}  // namespace maildex::index
