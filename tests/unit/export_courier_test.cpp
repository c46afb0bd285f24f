// index/export_courier: Courier's files written whole from the index, for the way back.

#include "index/export_courier.h"

#include <gtest/gtest.h>

#include <fstream>

#include "index/courier_keywords.h"
#include "index/courier_quota.h"
#include "index/courier_subscriptions.h"
#include "index/courier_uiddb.h"
#include "index/maildir_settings.h"
#include "index/mailstore.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;

TEST(ExportCourier, WritesWholeFilesFromTheIndex) {
    test::TempMaildir md;
    for (int i = 0; i < 5; ++i)
        md.deliver("", "Subject: " + std::to_string(i) + "\n\n" + std::string(100, 'x'), false, "S",
                   1700000000 + i);
    std::ofstream(md.path() / "maildirsize") << "1000000S\n          1            1\n";
    {
        auto store = Mailstore::open({md.path(), {}});
        auto inbox = store->folder("");
        FlagChange kw;
        kw.keywords = {"Work"};
        inbox->store({1, 3}, kw);  // pending update files, not yet in :list
        store->setSubscribed("", true);
        store->setSetting(kNamespacePrefixSetting, "");
    }
    md.deliver("", "Subject: late\n\n", true, "", 1700000100);  // not indexed yet

    auto r = exportCourier({md.path(), {}, {}});
    EXPECT_EQ(r.folders, 1u);
    EXPECT_EQ(r.messages, 6u);
    EXPECT_EQ(r.messagesWithKeywords, 2u);
    EXPECT_TRUE(r.quotaRecalculated);
    ASSERT_EQ(r.warnings.size(), 1u);  // the namespace prefix Courier cannot show
    EXPECT_NE(r.warnings[0].find("prefix ''"), std::string::npos);

    auto db = readCourierUidDb(md.path());
    ASSERT_TRUE(db);
    EXPECT_EQ(db->entries.size(), 6u);
    EXPECT_EQ(db->nextUid, 7u);
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(md.path() / "courierimapkeywords"))
        names.push_back(e.path().filename().string());
    EXPECT_EQ(names, (std::vector<std::string>{":list"}));  // update files merged
    EXPECT_EQ(readCourierKeywords(md.path()).byBase.size(), 2u);
    EXPECT_EQ(readCourierSubscriptions(md.path()), (std::vector<std::string>{"INBOX"}));
    auto size = readMaildirSize(md.path());
    ASSERT_TRUE(size);
    EXPECT_EQ(size->quota.bytes, 1000000u);
    EXPECT_EQ(size->usage.messages, 6);
}

}  // namespace
}  // namespace maildex::index
