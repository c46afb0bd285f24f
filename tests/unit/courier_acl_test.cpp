// index/courier_acl: Courier's ACL files, read with its inheritance rule and checked
// against what the real server answered to GETACL.

#include "index/courier_acl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "index/error.h"
#include "index/file_util.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using Wire = std::vector<std::pair<std::string, std::string>>;

// What Courier's GETACL shows for a list: "user=" dropped from identifiers, and e t x
// shown as the RFC 2086 'd' when all three are present.
Wire onTheWire(const CourierAcl& acl) {
    Wire out;
    for (const auto& e : acl.entries) {
        std::string id = e.identifier;
        bool neg = e.negative();
        std::string bare = neg ? id.substr(1) : id;
        if (bare.rfind("user=", 0) == 0) bare = bare.substr(5);
        std::string rights = e.rights;
        if (rights.find('e') != std::string::npos && rights.find('t') != std::string::npos &&
            rights.find('x') != std::string::npos) {
            std::erase_if(rights, [](char c) { return c == 'e' || c == 't' || c == 'x'; });
            rights += 'd';
            std::sort(rights.begin(), rights.end());
        }
        out.emplace_back((neg ? "-" : "") + bare, rights);
    }
    return out;
}

std::string onDisk(const std::string& imapNameDecoded) {
    return imapNameDecoded == "INBOX" ? "" : imapNameDecoded.substr(6);  // "INBOX." prefix
}

TEST(CourierAclFixture, EveryFolderHasTheAclCourierReported) {
    test::Fixture fx("courier-small");
    size_t checked = 0;
    for (const auto& folder : fx.folders()) {
        if (!folder.selectable) continue;
        SCOPED_TRACE(folder.imapName);
        std::vector<std::string> warnings;
        auto acl = readCourierAcl(fx.maildir(), onDisk(folder.imapNameDecoded), &warnings);
        EXPECT_TRUE(warnings.empty());
        EXPECT_EQ(onTheWire(acl), folder.getAcl);
        ++checked;
    }
    EXPECT_EQ(checked, 12u);
}

TEST(CourierAclFixture, StoredRightsAreSortedWithUnknownLettersKept) {
    // SETACL INBOX.Projects.Alpha bob lrswipkxte was stored as "eiklprstwx".
    test::Fixture fx("courier-small");
    auto acl = readCourierAclFile(fx.maildir() / ".Projects.Alpha");
    ASSERT_TRUE(acl);
    ASSERT_TRUE(acl->find("user=bob"));
    EXPECT_EQ(acl->find("user=bob")->rights, "eiklprstwx");
    auto archive = readCourierAclFile(fx.maildir() / ".Archive");
    ASSERT_TRUE(archive);
    ASSERT_TRUE(archive->find("-user=carol"));
    EXPECT_TRUE(archive->find("-user=carol")->negative());
}

TEST(CourierAclFixture, HierarchyLevelWithoutDirectoryUsesHierAcl) {
    test::Fixture fx("courier-small");
    auto hier = readCourierHierAcl(fx.maildir(), "Projects");
    ASSERT_TRUE(hier);
    EXPECT_EQ(*hier, CourierAcl::inboxDefault());
    // The stale entry of the renamed folder is still there, with its own list.
    auto stale = readCourierAcl(fx.maildir(), "Rename Me");
    ASSERT_TRUE(stale.find("user=dave"));
}

TEST(CourierAcl, ParsesIdentifiersAndRights) {
    auto acl = parseCourierAcl(
        "owner aceilrstwx\nadministrators aceilrstwx\nanyone lr\nuser=bob ilrsw\n-user=carol w\n"
        "group=staff   rlrl\n");
    ASSERT_EQ(acl.entries.size(), 6u);
    EXPECT_EQ(acl.entries[4], (CourierAclEntry{"-user=carol", "w"}));
    EXPECT_TRUE(acl.entries[4].negative());
    EXPECT_FALSE(acl.entries[3].negative());
    EXPECT_EQ(acl.entries[5], (CourierAclEntry{"group=staff", "lr"}));
}

TEST(CourierAcl, RightsAreDeduplicatedAndSorted) {
    EXPECT_EQ(normalizeCourierRights("lrswipkxte"), "eiklprstwx");
    EXPECT_EQ(normalizeCourierRights("rrlZl"), "Zlr");  // unknown letters kept
    EXPECT_EQ(normalizeCourierRights(""), "");
}

TEST(CourierAcl, DamagedLinesAreReported) {
    std::vector<std::string> warnings;
    auto acl = parseCourierAcl(
        "owner aceilrstwx\n"
        " lr\n"           // empty identifier
        "-\n"             // nothing after the '-'
        "user=bob l r\n"  // blank among rights: the line is skipped, as Courier does
        "user=bob\n"      // no rights: an empty entry
        "anyone lr",      // last line without newline
        &warnings);
    EXPECT_EQ(acl.entries, (std::vector<CourierAclEntry>{
                               {"owner", "aceilrstwx"}, {"user=bob", ""}, {"anyone", "lr"}}));
    EXPECT_EQ(warnings.size(), 3u);
}

TEST(CourierAcl, FolderWithoutFileInheritsUpToInboxDefault) {
    test::TempMaildir md;
    md.makeFolder("A");
    md.makeFolder("A.B");
    md.makeFolder("A.B.C");
    // Nothing anywhere: INBOX's default.
    EXPECT_EQ(readCourierAcl(md.path(), "A.B.C"), CourierAcl::inboxDefault());

    CourierAcl a = CourierAcl::inboxDefault();
    a.set("anyone", "lr");
    writeCourierAcl(md.folderDir("A"), a);
    EXPECT_EQ(readCourierAcl(md.path(), "A.B.C"), a);
    EXPECT_FALSE(readCourierAclFile(md.folderDir("A.B.C")));  // reading writes nothing

    // A hierarchy entry for a directory-less level sits between.
    CourierAcl hier = CourierAcl::inboxDefault();
    hier.set("user=bob", "l");
    writeCourierHierAcl(md.path(), "A.B", CourierAcl{});
    writeCourierHierAcl(md.path(), "A.B", hier);
    EXPECT_EQ(readCourierAcl(md.path(), "A.B.C"), hier);
    // The folder's own file wins over everything.
    CourierAcl own = CourierAcl::inboxDefault();
    own.set("user=carol", "lrs");
    writeCourierAcl(md.folderDir("A.B.C"), own);
    EXPECT_EQ(readCourierAcl(md.path(), "A.B.C"), own);
    // A name with no directory at all inherits too.
    EXPECT_EQ(readCourierAcl(md.path(), "A.Z.Y"), a);
    EXPECT_TRUE(fs::is_empty(md.path() / "tmp"));
}

// LIST reads many folders' lists through one reader: it must find what readCourierAcl
// finds for each, whatever the order folders are asked in.
TEST(CourierAcl, ReaderFindsWhatEachReadFinds) {
    test::TempMaildir md;
    for (const char* f : {"A", "A.B", "A.B.C", "A.D", "E", "E.F"})
        md.makeFolder(f);
    {
        CourierAclReader before(md.path());  // no courierimaphieracl/ yet
        EXPECT_EQ(before.read("A.B.C"), readCourierAcl(md.path(), "A.B.C"));
    }
    CourierAcl a = CourierAcl::inboxDefault();
    a.set("anyone", "lr");
    writeCourierAcl(md.folderDir("A"), a);
    CourierAcl hier = CourierAcl::inboxDefault();
    hier.set("user=bob", "l");
    writeCourierHierAcl(md.path(), "A.B", hier);
    CourierAcl inbox;
    inbox.set("owner", "lr");
    inbox.set("-administrators", "w");
    writeCourierAcl(md.path(), inbox);
    for (bool deepestFirst : {false, true}) {
        CourierAclReader reader(md.path());
        std::vector<std::string> folders = {"", "A", "A.B", "A.B.C", "A.D", "E", "E.F", "A.Z.Y"};
        if (deepestFirst) std::reverse(folders.begin(), folders.end());
        for (const auto& f : folders) {
            SCOPED_TRACE(f);
            EXPECT_EQ(reader.read(f), readCourierAcl(md.path(), f));
        }
    }
}

TEST(CourierAcl, AdministratorsAlwaysHaveEveryRight) {
    test::TempMaildir md;
    std::ofstream(md.path() / "courierimapacl")
        << "owner lr\nadministrators l\n-administrators a\nanyone r\n";
    auto acl = readCourierAcl(md.path(), "");
    EXPECT_EQ(acl.entries,
              (std::vector<CourierAclEntry>{
                  {"owner", "lr"}, {"administrators", "aceilrstwx"}, {"anyone", "r"}}));

    std::ofstream(md.path() / "courierimapacl", std::ios::trunc)
        << "owner aceilrstwx\ngroup=administrators l\n-group=administrators x\n";
    acl = readCourierAcl(md.path(), "");
    EXPECT_EQ(acl.entries, (std::vector<CourierAclEntry>{{"owner", "aceilrstwx"},
                                                         {"group=administrators", "aceilrstwx"}}));
}

TEST(CourierAcl, WritesWhatItReads) {
    test::TempMaildir md;
    CourierAcl acl = CourierAcl::inboxDefault();
    acl.set("anyone", "rl");
    acl.set("-user=carol", "ww");
    writeCourierAcl(md.path(), acl);
    EXPECT_EQ(*readFileIfExists(md.path() / "courierimapacl"),
              "owner aceilrstwx\nadministrators aceilrstwx\nanyone lr\n-user=carol w\n");
    EXPECT_EQ(readCourierAclFile(md.path()), acl);
    acl.remove("anyone");
    EXPECT_FALSE(acl.find("anyone"));
}

TEST(CourierAcl, RefusesNamesThatLeaveTheMaildir) {
    test::TempMaildir md;
    auto invalid = [](auto fn) {
        try {
            fn();
        } catch (const Error& e) {
            return e.kind() == ErrorKind::InvalidName;
        }
        return false;
    };
    EXPECT_TRUE(invalid([&] { readCourierAcl(md.path(), "../x"); }));
    EXPECT_TRUE(invalid([&] { writeCourierHierAcl(md.path(), "a/b", CourierAcl{}); }));
    EXPECT_TRUE(invalid([&] { writeCourierAcl(md.path(), CourierAcl{{{"two words", "l"}}}); }));
}

}  // namespace
}  // namespace maildex::index
