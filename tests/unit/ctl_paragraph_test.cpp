// maildexctl's summary paragraphs (app/ctl/paragraph.h): wrapped between items, never inside
// a folder name, path or label that has spaces of its own.

#include "app/ctl/paragraph.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace maildex::ctl {
namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

TEST(CtlParagraph, WrapsBetweenWordsAtTheWidth) {
    EXPECT_EQ(wrapParagraph("one two three four", 9), "one two\nthree\nfour\n");
    EXPECT_EQ(wrapParagraph("", 9), "");
    EXPECT_EQ(wrapParagraph("  spaced   out  ", 88), "spaced out\n");
}

TEST(CtlParagraph, AFolderNameIsNeverSplitAcrossLines) {
    // "Sent Items" falls across column 20 wherever it starts: it moves whole to the next line.
    for (std::size_t lead = 0; lead < 20; ++lead) {
        std::string text = std::string(lead, 'x') + " kept in folder " + unbroken("Sent Items") +
                           " and " + unbroken("Old  Mail 2019") + " then more words after it";
        auto wrapped = wrapParagraph(text, 20);
        bool sent = false, old = false;
        for (const auto& l : lines(wrapped)) {
            EXPECT_LE(l.size(), std::max<std::size_t>(lead, 20)) << l;
            sent = sent || l.find("Sent Items") != std::string::npos;
            old = old || l.find("Old  Mail 2019") != std::string::npos;  // its spaces as they were
        }
        EXPECT_TRUE(sent) << wrapped;
        EXPECT_TRUE(old) << wrapped;
        EXPECT_EQ(wrapped.find('\x1f'), std::string::npos) << "marker leaked";
    }
}

TEST(CtlParagraph, AnItemLongerThanTheLineGetsALineOfItsOwn) {
    auto wrapped =
        wrapParagraph("in " + unbroken("/home/a very long path/with spaces") + " now", 10);
    EXPECT_EQ(wrapped, "in\n/home/a very long path/with spaces\nnow\n");
}

TEST(CtlParagraph, CountsCharactersNotBytes) {
    // Twelve characters in 24 bytes: fits a 20-column line after "in ".
    std::string name = unbroken("Entwürfe äöü");
    EXPECT_EQ(lines(wrapParagraph("in " + name + " x", 20)).size(), 1u);
}

TEST(CtlParagraph, TheUsualSummaryWrapsAt88) {
    std::string text;
    for (int i = 0; i < 40; ++i)
        text += "word" + std::to_string(i) + " ";
    for (const auto& l : lines(wrapParagraph(text)))
        EXPECT_LE(l.size(), kParagraphWidth);
    std::ostringstream out;
    printParagraph(out, text);
    EXPECT_EQ(out.str(), wrapParagraph(text));
}

}  // namespace
}  // namespace maildex::ctl
