// core/imap/mutf7: the names Courier's fixture uses, and invalid input.

#include "core/imap/mutf7.h"

#include <gtest/gtest.h>

namespace maildex::core {
namespace {

TEST(Mutf7, EncodesLikeCourier) {
    EXPECT_EQ(encodeMutf7("Entw\xc3\xbcrfe"), "Entw&APw-rfe");
    EXPECT_EQ(encodeMutf7("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), "&ZeVnLIqe-");
    EXPECT_EQ(encodeMutf7("Work & Play"), "Work &- Play");
    EXPECT_EQ(encodeMutf7("Gr\xc3\xbc\xc3\x9f"
                          "e"),
              "Gr&APwA3w-e");
    EXPECT_EQ(encodeMutf7("\xf0\x9f\x93\xa7"), "&2D3c5w-");  // U+1F4E7, a surrogate pair
}

TEST(Mutf7, DecodesAndRoundTrips) {
    for (std::string s : std::vector<std::string>{"Entw\xc3\xbcrfe", "Work & Play",
                                                  "\xf0\x9f\x93\xa7 mail", "&", "plain"}) {
        auto d = decodeMutf7(encodeMutf7(s));
        ASSERT_TRUE(d) << s;
        EXPECT_EQ(*d, s);
    }
}

TEST(Mutf7, RefusesInvalid) {
    for (const char* bad :
         {"&", "&APw", "&A-", "&AGE-", "caf\xc3\xa9", "&2D3-", "&APw-&AOQ-", "&*-"})
        EXPECT_FALSE(decodeMutf7(bad)) << bad;
}

}  // namespace
}  // namespace maildex::core
