// index/courier_subscriptions: courierimapsubscribed read and written, checked against
// the real Courier fixture's LSUB answer.

#include "index/courier_subscriptions.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "index/error.h"
#include "index/file_util.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

TEST(CourierSubscriptionsFixture, SameNamesAsLsub) {
    test::Fixture fx("courier-small");
    std::vector<std::string> warnings;
    auto names = readCourierSubscriptions(fx.maildir(), &warnings);
    EXPECT_TRUE(warnings.empty());

    // LSUB shows modified UTF-7; the file holds the UTF-8 on-disk spelling. Translate
    // through the folder list (the vanished "INBOX.Rename Me" is plain ASCII).
    std::vector<std::string> lsub;
    for (const auto& name : fx.strings("lsub")) {
        std::string decoded = name;
        for (const auto& f : fx.folders())
            if (f.imapName == name) decoded = f.imapNameDecoded;
        lsub.push_back(decoded);
    }
    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    EXPECT_EQ(sorted(names), sorted(lsub));
    EXPECT_NE(std::find(names.begin(), names.end(), "INBOX.Entwürfe"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "INBOX.Rename Me"), names.end());

    for (const auto& f : fx.folders()) {
        bool listed = std::find(names.begin(), names.end(), f.imapNameDecoded) != names.end();
        EXPECT_EQ(listed, f.subscribed) << f.imapName;
    }
}

TEST(CourierSubscriptions, LenientAboutDamagedLines) {
    std::vector<std::string> warnings;
    auto names = parseCourierSubscriptions(
        "INBOX\n\nINBOX.Sent\r\nINBOX.Bad\x01Name\nINBOX\nINBOX.Last", &warnings);
    EXPECT_EQ(names, (std::vector<std::string>{"INBOX", "INBOX.Sent", "INBOX.Last"}));
    EXPECT_EQ(warnings.size(), 3u);  // CR, control character, repeat
}

TEST(CourierSubscriptions, WritesWhatItReads) {
    test::TempMaildir md;
    EXPECT_TRUE(readCourierSubscriptions(md.path()).empty());
    std::vector<std::string> names{"INBOX", "INBOX.Entwürfe", "INBOX.Work & Play"};
    writeCourierSubscriptions(md.path(), names);
    EXPECT_EQ(*readFileIfExists(md.path() / "courierimapsubscribed"),
              "INBOX\nINBOX.Entwürfe\nINBOX.Work & Play\n");
    EXPECT_EQ(readCourierSubscriptions(md.path()), names);
    EXPECT_TRUE(std::filesystem::is_empty(md.path() / "tmp"));
    EXPECT_THROW(writeCourierSubscriptions(md.path(), {"two\nlines"}), Error);
    EXPECT_EQ(readCourierSubscriptions(md.path()), names);
}

}  // namespace
}  // namespace maildex::index
