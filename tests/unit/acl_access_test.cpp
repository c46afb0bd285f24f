// Rights letters and ACL2=UNION over Courier's identifiers (core/acl/).

#include <gtest/gtest.h>

#include "core/acl/access.h"
#include "core/acl/flag_rights.h"
#include "core/acl/rights.h"

namespace maildex::core::acl {
namespace {

index::CourierAcl listOf(std::initializer_list<std::pair<const char*, const char*>> entries) {
    index::CourierAcl acl;
    for (auto& [id, rights] : entries)
        acl.set(id, rights);
    return acl;
}

TEST(AclRights, StoredInByteOrderShownWithDeleteAsD) {
    EXPECT_EQ(Rights::of("xwtsrlieca").stored(), "aceilrstwx");
    EXPECT_EQ(kAllRights.shown(), "acdilrsw");
    // "d" only when all three delete rights are there.
    EXPECT_EQ(Rights::of("lrte").shown(), "elrt");
}

TEST(AclRights, ClientLettersExpandDAndMapKToC) {
    Rights r;
    ASSERT_TRUE(Rights::parseClient("lrdk", r));
    EXPECT_EQ(r.stored(), "celrtx");
    EXPECT_FALSE(Rights::parseClient("lR", r));
    EXPECT_FALSE(Rights::parseClient("l r", r));
    EXPECT_EQ(r.stored(), "celrtx");  // unchanged by a failed parse
    ASSERT_TRUE(Rights::parseClient("", r));
    EXPECT_TRUE(r.empty());
}

TEST(AclAccess, UnionOfEveryEntryNamingTheUserMinusNegatives) {
    Accessor bob{"bob", {"staff"}, false};
    auto acl = listOf({{"owner", "aceilrstwx"},
                       {"anyone", "l"},
                       {"user=bob", "rs"},
                       {"group=staff", "iw"},
                       {"-user=bob", "w"},
                       {"user=carol", "x"}});
    EXPECT_EQ(rightsOf(acl, bob).stored(), "ilrs");
}

TEST(AclAccess, OwnerAlwaysAdministersAndAdministratorsThroughTheirEntry) {
    Accessor owner{"alice", {}, true};
    EXPECT_EQ(rightsOf(listOf({{"owner", "lr"}}), owner).shown(), "alr");
    // The owner's "a" survives a negative entry; other rights do not.
    EXPECT_EQ(rightsOf(listOf({{"owner", "aceilrstwx"}, {"-owner", "wl"}}), owner).shown(),
              "acdirs");
    // An administrator's rights come from the "administrators" entry Courier forces into
    // every list, so a negative entry for everyone counts against them too.
    Accessor admin{"root", {"administrators"}, false};
    EXPECT_EQ(rightsOf(listOf({{"administrators", "aceilrstwx"}, {"-anyone", "r"}}), admin).shown(),
              "acdilsw");
}

TEST(AclAccess, AnonymousNamesEveryoneAndAuthuserNobodyAsInCourier) {
    Accessor stranger{"eve", {}, false};
    EXPECT_EQ(rightsOf(listOf({{"owner", "lr"}, {"anonymous", "lr"}}), stranger).shown(), "lr");
    EXPECT_TRUE(rightsOf(listOf({{"authuser", "lrs"}}), stranger).empty());
}

TEST(AclAccess, IdentifiersAsCourierStoresAndShowsThem) {
    EXPECT_EQ(storedIdentifier("bob"), "user=bob");
    EXPECT_EQ(storedIdentifier("-bob"), "-user=bob");
    EXPECT_EQ(storedIdentifier("user=bob"), "user=bob");
    EXPECT_EQ(storedIdentifier("anyone"), "anyone");
    EXPECT_EQ(storedIdentifier("-group=staff"), "-group=staff");
    EXPECT_EQ(storedIdentifier(""), "");
    EXPECT_EQ(storedIdentifier("-"), "");
    EXPECT_EQ(storedIdentifier("a b"), "");
    EXPECT_EQ(shownIdentifier("user=bob"), "bob");
    EXPECT_EQ(shownIdentifier("-user=bob"), "-bob");
    EXPECT_EQ(shownIdentifier("group=staff"), "group=staff");
}

TEST(AclFlagRights, EachFlagNeedsItsRight) {
    namespace f = index::flag;
    EXPECT_EQ(flagPermission(Rights::of("s")).systemFlags, f::Seen);
    EXPECT_EQ(flagPermission(Rights::of("t")).systemFlags, f::Deleted);
    auto w = flagPermission(Rights::of("w"));
    EXPECT_EQ(w.systemFlags, f::Answered | f::Flagged | f::Draft);
    EXPECT_TRUE(w.keywords);
    EXPECT_TRUE(flagPermission(Rights::of("stw")).all());
    EXPECT_FALSE(flagPermission(Rights::of("lrie")).any());
}

}  // namespace
}  // namespace maildex::core::acl
