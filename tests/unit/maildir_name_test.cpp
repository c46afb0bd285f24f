// index/maildir_name and index/flags: the file-name codec.

#include "index/maildir_name.h"

#include <gtest/gtest.h>

namespace maildex::index {
namespace {

TEST(MaildirName, ParsesFlagsAndKeepsUnknownLetters) {
    auto n = MaildirName::parse("1700000000.M1P2.host,S=493:2,FPSab");
    EXPECT_EQ(n.base(), "1700000000.M1P2.host,S=493");
    EXPECT_EQ(n.flags(), flag::Flagged | flag::Passed | flag::Seen);
    EXPECT_EQ(n.otherLetters(), "ab");
    // Courier would drop P and the Dovecot keyword letters on the next rename; we keep them.
    EXPECT_EQ(n.withFlags(flag::Seen | flag::Deleted | flag::Passed),
              "1700000000.M1P2.host,S=493:2,PSTab");
    EXPECT_EQ(n.withFlags(0), "1700000000.M1P2.host,S=493:2,ab");
}

TEST(MaildirName, FlagsOfInfoAgreeWithParse) {
    for (const char* info : {"2,FRS", "2,", "2,aFxT,tail", "1,S", "2,S,", "", "2,DFPRST"})
        EXPECT_EQ(flagsOfInfo(info), MaildirName::parse(std::string("base:") + info).flags())
            << info;
}

TEST(MaildirName, LettersInAsciiOrder) {
    auto n = MaildirName::parse("x:2,TSRFD");
    EXPECT_EQ(n.filename(), "x:2,DFRST");
    EXPECT_EQ(n.infoText(), "2,DFRST");
}

TEST(MaildirName, NoInfo) {
    auto n = MaildirName::parse("1700000000.M1P2.host");
    EXPECT_FALSE(n.hasInfo());
    EXPECT_EQ(n.flags(), 0);
    EXPECT_EQ(n.withFlags(0), "1700000000.M1P2.host");
    EXPECT_EQ(n.withFlags(flag::Seen), "1700000000.M1P2.host:2,S");
    EXPECT_EQ(n.infoText(), "");
}

TEST(MaildirName, KeepsTailAndForeignInfo) {
    EXPECT_EQ(MaildirName::parse("x:2,S,extra").withFlags(flag::Seen | flag::Flagged),
              "x:2,FS,extra");
    EXPECT_EQ(MaildirName::parse("x:1,experimental").withFlags(flag::Seen), "x:1,experimental");
}

TEST(MaildirName, SizeFields) {
    EXPECT_EQ(sizeField("1795308571.M100001P4242.otherhost,S=495,W=508", 'S'), 495u);
    EXPECT_EQ(sizeField("1795308571.M100001P4242.otherhost,S=495,W=508", 'W'), 508u);
    EXPECT_FALSE(sizeField("1795308572.M100002P4242.otherhost", 'S'));
    EXPECT_FALSE(sizeField("x,S=12a", 'S'));
}

TEST(MaildirName, CourierDeliveryOrder) {
    // The leading seconds compare as numbers, the rest byte by byte (so M100000 < M99999).
    EXPECT_LT(compareDeliveryOrder("999.M1.h", "1000.M0.h"), 0);
    EXPECT_LT(compareDeliveryOrder("1700000000.M100000P1.h", "1700000000.M99999P1.h"), 0);
    EXPECT_EQ(compareDeliveryOrder("5.a:2,S", "5.a:2,T"), 0);
}

TEST(MaildirName, NewNamesAreUniqueAndCarryTheSize) {
    auto a = newMessageBase(1700000000, 5, 0xfe00, 0x1234, 493);
    auto b = newMessageBase(1700000000, 5, 0xfe00, 0x1234, 493);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.rfind("1700000000.M5P", 0), 0u);
    EXPECT_NE(a.find("V000000000000FE00I0000000000001234_"), std::string::npos);
    EXPECT_EQ(sizeField(a, 'S'), 493u);
    EXPECT_EQ(a.find(':'), std::string::npos);
    EXPECT_EQ(a.find('/'), std::string::npos);
}

}  // namespace
}  // namespace maildex::index
