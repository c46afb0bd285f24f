// index/dovecot_keywords: keyword letters in Dovecot file names, named through
// dovecot-keywords, checked against the real Dovecot fixture.

#include "index/dovecot_keywords.h"

#include <gtest/gtest.h>

#include <set>

#include "index/maildir_name.h"
#include "tests/support/fixtures.h"

namespace maildex::index {
namespace {

TEST(DovecotKeywordsFixture, EveryMessageHasTheKeywordsDovecotReported) {
    test::Fixture fx("dovecot-small");
    size_t withKeywords = 0;
    for (const auto& folder : fx.folders()) {
        SCOPED_TRACE(folder.imapName);
        std::vector<std::string> warnings;
        auto keywords = readDovecotKeywords(fx.folderDir(folder), &warnings);
        EXPECT_TRUE(warnings.empty());
        for (const auto& m : folder.messages) {
            auto name = MaildirName::parse(m.file);
            auto names = keywords.namesForLetters(name.otherLetters());
            EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
                      std::set<std::string>(m.keywords.begin(), m.keywords.end()))
                << m.file;
            withKeywords += !names.empty();
        }
    }
    EXPECT_EQ(withKeywords, 8u);
}

TEST(DovecotKeywords, ParsesIndexAndName) {
    auto k = parseDovecotKeywords("0 $Label1\n1 $Forwarded\n4 Project Phoenix\n");
    EXPECT_EQ(k.byIndex.at(4), "Project Phoenix");
    EXPECT_EQ(k.namesForLetters("RSae"), (std::vector<std::string>{"$Label1", "Project Phoenix"}));
    EXPECT_EQ(k.namesForLetters("Sc"), std::vector<std::string>{"unknown-2"});
    EXPECT_EQ(k.namesForLetters("Sa,b"), std::vector<std::string>{"$Label1"});
}

TEST(DovecotKeywords, DamagedLinesAreIgnoredWithWarnings) {
    std::vector<std::string> warnings;
    auto k = parseDovecotKeywords("0 A\nnospace\nx B\n26 TooFar\n3 \n1 C\n1 D\n", &warnings);
    EXPECT_EQ(k.byIndex, (std::map<unsigned, std::string>{{0, "A"}, {1, "D"}}));
    EXPECT_EQ(warnings.size(), 5u);
}

}  // namespace
}  // namespace maildex::index
