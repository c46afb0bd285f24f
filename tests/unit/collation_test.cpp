// core/search/collation: i;unicode-casemap (RFC 5051) keys.

#include "core/search/collation.h"

#include <gtest/gtest.h>

namespace maildex::core::search {
namespace {

TEST(Collation, AsciiIsCaseInsensitive) {
    EXPECT_EQ(casemapKey("Hello, World"), "HELLO, WORLD");
    EXPECT_EQ(casemapKey("hello"), casemapKey("HELLO"));
    // Titlecase, not lowercase: "_" (0x5F) sorts after letters, as in Dovecot.
    EXPECT_LT(casemapKey("a"), casemapKey("_"));
}

TEST(Collation, TitlecaseThenFullDecomposition) {
    // RFC 5051 section 2, the examples of step 2.
    EXPECT_EQ(casemapKey("\u00E1"), "A\u0301");   // á → Á → A + acute
    EXPECT_EQ(casemapKey("\u01C4"), "Dz\u030C");  // Ǆ → ǅ → D ž → D z caron
    EXPECT_EQ(casemapKey("\u00E9t\u00E9"), "E\u0301TE\u0301");
    // Compatibility decompositions count too (NFKD): the ligature, a full-width letter.
    EXPECT_EQ(casemapKey("\uFB01"), "fi");
    EXPECT_EQ(casemapKey("\uFF41"), "A");
    // Hangul syllables decompose into their jamo.
    EXPECT_EQ(casemapKey("\uD55C"), "\u1112\u1161\u11AB");
    // Simple mappings only: ß has no single-character titlecase.
    EXPECT_EQ(casemapKey("stra\u00DFe"), "STRA\u00DFE");
    // Greek and Cyrillic letters meet their capitals.
    EXPECT_EQ(casemapKey("\u03C3\u03C2"), casemapKey("\u03A3\u03A3"));
    EXPECT_EQ(casemapKey("\u043C\u0438\u0440"), casemapKey("\u041C\u0418\u0420"));
}

TEST(Collation, DiacriticsSortNextToTheirBaseLetter) {
    EXPECT_LT(casemapKey("e"), casemapKey("\u00E9"));
    EXPECT_LT(casemapKey("\u00E9"), casemapKey("f"));
}

TEST(Collation, InvalidUtf8BecomesOneReplacementCharacterPerRun) {
    EXPECT_EQ(casemapKey("a\xFF\xFE"
                         "b"),
              "A\uFFFD"
              "B");
    EXPECT_EQ(casemapKey("\xC3"), "\uFFFD");  // cut off
    EXPECT_EQ(casemapKey("x\xC3\xA9\xE9y"), "XE\u0301\uFFFDY");
}

}  // namespace
}  // namespace maildex::core::search
