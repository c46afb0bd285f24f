// index/layout: Maildir++ folders, and names that would leave the Maildir.

#include "index/layout.h"

#include <gtest/gtest.h>

#include "index/error.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

TEST(Layout, RefusesNamesThatEscape) {
    for (std::string bad : std::vector<std::string>{"..", "a..b", ".a", "a.", "a/b", "../x", "/etc",
                                                    "a\nb", std::string("a\0b", 3), "x\x7f",
                                                    "\xff\xfe", std::string(300, 'a')}) {
        EXPECT_THROW(MaildirLayout::validateName(bad), Error) << bad;
    }
    for (std::string good : std::vector<std::string>{"", "Sent", "Archive.2024.Q1",
                                                     "Entw\xc3\xbcrfe", "Work & Play", "a b"})
        EXPECT_NO_THROW(MaildirLayout::validateName(good)) << good;
}

TEST(Layout, ListsFoldersAndIntermediateLevels) {
    test::TempMaildir md;
    md.makeFolder("Sent");
    md.makeFolder("Projects.Alpha");
    md.makeFolder("Archive");
    md.makeFolder("Archive.2024");
    std::filesystem::create_directories(md.path() / ".NoCur" / "new");  // not a folder
    MaildirLayout layout(md.path());
    auto list = layout.list();
    std::vector<std::string> names;
    for (const auto& e : list)
        names.push_back(e.name);
    EXPECT_EQ(names, (std::vector<std::string>{"", "Archive", "Archive.2024", "Projects",
                                               "Projects.Alpha", "Sent"}));
    EXPECT_TRUE(list[1].selectable && list[1].hasChildren);
    EXPECT_FALSE(list[3].selectable);
    EXPECT_TRUE(list[3].hasChildren);
    EXPECT_FALSE(list[5].hasChildren);
}

TEST(Layout, CreatesFoldersWithMarker) {
    test::TempMaildir md;
    MaildirLayout layout(md.path());
    EXPECT_TRUE(layout.create("A.B"));
    EXPECT_TRUE(std::filesystem::exists(md.path() / ".A.B" / "cur"));
    EXPECT_TRUE(std::filesystem::exists(md.path() / ".A.B" / "maildirfolder"));
    EXPECT_FALSE(layout.create("A.B"));
    EXPECT_FALSE(layout.exists("A"));
    EXPECT_THROW(layout.create("../evil"), Error);
    EXPECT_FALSE(std::filesystem::exists(md.root() / "evil"));
}

TEST(Layout, Hierarchy) {
    EXPECT_EQ(parentName("A.B.C"), "A.B");
    EXPECT_EQ(parentName("A"), "");
    EXPECT_TRUE(isInside("A.B", "A"));
    EXPECT_FALSE(isInside("AB", "A"));
    EXPECT_FALSE(isInside("A", "A"));
}

}  // namespace
}  // namespace maildex::index
