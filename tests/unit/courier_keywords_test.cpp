// index/courier_keywords: Courier's keyword directory read with its merge rules (against
// the real Courier fixture and hand-made damage), and written so a reader sees our state.

#include "index/courier_keywords.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "index/error.h"
#include "index/file_util.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

namespace fs = std::filesystem;
using Names = std::set<std::string>;

// A folder with a courierimapkeywords/ directory that tests fill by hand.
class KeywordDir : public ::testing::Test {
  protected:
    fs::path kwDir() const { return md.path() / "courierimapkeywords"; }
    void put(const std::string& name, const std::string& content) {
        fs::create_directories(kwDir());
        std::ofstream(kwDir() / name, std::ios::binary) << content;
    }
    bool has(const std::string& name) const { return fs::exists(kwDir() / name); }
    CourierKeywords read() {
        warnings.clear();
        return readCourierKeywords(md.path(), &warnings);
    }

    test::TempMaildir md;
    std::vector<std::string> warnings;
};

TEST(CourierKeywordsFixture, EveryMessageHasTheKeywordsCourierReported) {
    test::Fixture fx("courier-small");
    size_t checked = 0;
    for (const auto& folder : fx.folders()) {
        if (!folder.selectable) continue;
        SCOPED_TRACE(folder.imapName);
        std::vector<std::string> warnings;
        auto kw = readCourierKeywords(fx.folderDir(folder), &warnings);
        EXPECT_TRUE(warnings.empty()) << warnings.front();
        std::vector<std::string> uidOrder;
        for (const auto& m : folder.messages)
            uidOrder.push_back(test::baseOf(m.file));
        auto folded = foldCourierKeywordCase(kw.byBase, uidOrder);

        Names folderKeywords;
        for (const auto& m : folder.messages) {
            SCOPED_TRACE(m.uid);
            Names expected(m.keywords.begin(), m.keywords.end());
            auto it = folded.find(test::baseOf(m.file));
            EXPECT_EQ(it == folded.end() ? Names{} : it->second, expected);
            folderKeywords.insert(expected.begin(), expected.end());
            ++checked;
        }
        // The folder's FLAGS at SELECT lists exactly the keywords some message has.
        Names selectKeywords;
        for (const auto& f : folder.selectFlags)
            if (f[0] != '\\') selectKeywords.insert(f);
        EXPECT_EQ(selectKeywords, folderKeywords);
    }
    EXPECT_EQ(checked, 37u);
}

TEST(CourierKeywordsFixture, MergedUpdateFilesAgreeWithList) {
    // The fixture's INBOX has :list plus ".5984362.<base>" files already merged into it;
    // one of them (UID 16, TemporaryTag added then removed) is empty.
    test::Fixture fx("courier-small");
    auto kw = readCourierKeywords(fx.maildir());
    EXPECT_EQ(kw.updateFiles.size(), 10u);
    for (const auto& f : kw.updateFiles)
        EXPECT_EQ(f.n, 5984362u) << f.fileName;
    EXPECT_EQ(
        parseCourierKeywordList(*readFileIfExists(fx.maildir() / "courierimapkeywords/:list")),
        kw.byBase);
    EXPECT_FALSE(
        kw.byBase.count("1795308568.M21553P4848V000000000000FE00I0000000000A76152."
                        "fixturehost,S=499"));
}

TEST(CourierKeywordList, ParsesNamesThenIndexes) {
    auto map = parseCourierKeywordList("$MDNSent\nJunk\n$Label1\nProject\n\na,S=1:2\nb:2 3\nc:0\n");
    EXPECT_EQ(map,
              (CourierKeywordMap{
                  {"a,S=1", {"$Label1"}}, {"b", {"$Label1", "Project"}}, {"c", {"$MDNSent"}}}));
}

TEST(CourierKeywordList, DamagedLinesAreSkippedWithWarnings) {
    std::vector<std::string> warnings;
    auto map = parseCourierKeywordList(
        "A\nB\n\n"
        "no colon here\n"
        ":0\n"       // no file name
        "a:0 7 1\n"  // 7 is out of range
        "b:-1\n"     // negative: out of range
        "c: 1  \n"   // extra blanks are fine
        "d:1x\n"     // atoi: read as 1
        "e:7\n"      // nothing left: no entry
        "c:0\n",     // repeated: the later line wins
        &warnings);
    EXPECT_EQ(map, (CourierKeywordMap{{"a", {"A", "B"}}, {"c", {"A"}}, {"d", {"B"}}}));
    EXPECT_EQ(warnings.size(), 7u);
    for (const auto& w : warnings)
        EXPECT_EQ(w.rfind("line ", 0), 0u) << w;
}

TEST(CourierKeywordList, TruncatedNamesSectionMeansNoKeywords) {
    std::vector<std::string> warnings;
    EXPECT_TRUE(parseCourierKeywordList("A\nB", &warnings).empty());
    EXPECT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(parseCourierKeywordList("").empty());
}

TEST(CourierKeywordList, NamesAreSanitized) {
    EXPECT_EQ(sanitizeCourierKeyword("Weird Key]word"), "Weird_Key_word");
    EXPECT_EQ(sanitizeCourierKeyword("a(b)c{d%e*f\"g\\h]i\tj\x01k"), "a_b_c_d_e_f_g_h_i_j_k");
    EXPECT_EQ(sanitizeCourierKeyword("$Label1"), "$Label1");
    EXPECT_EQ(sanitizeCourierKeyword("Entwürfe"), "Entwürfe");  // 8-bit bytes stay
    auto map = parseCourierKeywordList("Weird Key]word\n\nm:0\n");
    EXPECT_EQ(map.at("m"), Names{"Weird_Key_word"});
    EXPECT_EQ(parseCourierKeywordUpdate("Weird Key]word\n"), Names{"Weird_Key_word"});
}

TEST(CourierKeywordUpdate, ReadsUpToTheFirstEmptyLine) {
    std::vector<std::string> warnings;
    EXPECT_EQ(parseCourierKeywordUpdate("b\na\n\nhidden\n", &warnings), (Names{"a", "b"}));
    EXPECT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(parseCourierKeywordUpdate("").empty());
    EXPECT_EQ(parseCourierKeywordUpdate("last-without-newline"), Names{"last-without-newline"});
}

TEST_F(KeywordDir, MissingDirectoryMeansNoKeywords) {
    auto kw = read();
    EXPECT_TRUE(kw.byBase.empty());
    EXPECT_TRUE(kw.updateFiles.empty());
    EXPECT_TRUE(warnings.empty());
}

TEST_F(KeywordDir, PendingPlainUpdateBeatsListAndEveryNFile) {
    put(":list", "Old\n\nmsg:0\nother:0\n");
    put(".9999999999.msg", "FromTheFuture\n");
    put(".5.msg", "Older\n");
    put("msg", "Pending\nSecond\n");
    auto kw = read();
    EXPECT_EQ(kw.byBase.at("msg"), (Names{"Pending", "Second"}));  // replaces, not adds
    EXPECT_EQ(kw.byBase.at("other"), Names{"Old"});
    EXPECT_EQ(kw.updateFiles.size(), 3u);
    EXPECT_TRUE(warnings.empty());
}

TEST_F(KeywordDir, EmptyPlainUpdateClearsKeywords) {
    put(":list", "Old\n\nmsg:0\n");
    put("msg", "");
    EXPECT_FALSE(read().byBase.count("msg"));
}

TEST_F(KeywordDir, LargestNWinsWhateverTheDirectoryOrder) {
    put(":list", "FromList\n\nmsg:0\n");
    put(".100.msg", "Hundred\n");
    put(".99.msg", "NinetyNine\n");
    put(".1000.msg", "Thousand\n");
    put(".20.msg", "");
    EXPECT_EQ(read().byBase.at("msg"), Names{"Thousand"});
}

TEST_F(KeywordDir, UpdateFileWithoutListEntryAddsTheMessage) {
    put(".7.fresh", "New\n");
    EXPECT_EQ(read().byBase.at("fresh"), Names{"New"});
}

TEST_F(KeywordDir, ScratchAndOddFilesAreIgnored) {
    put(":list", "A\n\nm:0\n");
    put(".tmp.1795308584somefile", "Scratch\n");
    put(".x.m", "NotANumber\n");
    put(".0.m", "Zero\n");
    put(".12", "NoBase\n");
    put("m:2,S", "InfoInName\n");
    auto kw = read();
    EXPECT_EQ(kw.byBase, (CourierKeywordMap{{"m", {"A"}}}));
    EXPECT_TRUE(kw.updateFiles.empty());
    EXPECT_EQ(warnings.size(), 4u);  // the scratch file is normal, the rest are not
}

TEST_F(KeywordDir, TwoThousandKeywords) {
    std::string list, line = "m:";
    Names all;
    for (int i = 0; i < 2000; ++i) {
        std::string name = "kw" + std::to_string(i);
        list += name + "\n";
        line += (i ? " " : "") + std::to_string(i);
        all.insert(name);
    }
    put(":list", list + "\n" + line + "\nsome:1999\n");
    auto kw = read();
    EXPECT_EQ(kw.byBase.at("m"), all);
    EXPECT_EQ(kw.byBase.at("some"), Names{"kw1999"});

    // And back: write them, read them again.
    writeCourierKeywords(md.path(), kw.byBase, kw.updateFiles);
    EXPECT_EQ(read().byBase, kw.byBase);
}

TEST(CourierKeywordFold, FirstSpellingInUidOrderWins) {
    CourierKeywordMap map{{"uid3", {"$LABEL1", "Junk"}},
                          {"uid1", {"$label1"}},
                          {"uid2", {"$Label1", "junk"}},
                          {"gone", {"Stale"}}};
    auto folded = foldCourierKeywordCase(map, {"uid1", "uid2", "uid3", "not-in-map"});
    EXPECT_EQ(folded, (CourierKeywordMap{{"uid1", {"$label1"}},
                                         {"uid2", {"$label1", "junk"}},
                                         {"uid3", {"$label1", "junk"}}}));
}

TEST_F(KeywordDir, WriteProducesCourierListLayout) {
    writeCourierKeywords(md.path(), {{"b", {"Zeta", "$Label1"}}, {"a", {"$Label1"}}, {"c", {}}});
    EXPECT_EQ(*readFileIfExists(kwDir() / ":list"), "$Label1\nZeta\n\na:0\nb:0 1\n");
    EXPECT_TRUE(fs::is_empty(md.path() / "tmp"));
}

TEST_F(KeywordDir, WriteDeletesListWhenNoMessageHasKeywords) {
    put(":list", "A\n\nm:0\n");
    writeCourierKeywords(md.path(), {{"m", {}}});
    EXPECT_FALSE(has(":list"));
    writeCourierKeywords(md.path(), {});  // nothing to delete: fine
}

TEST_F(KeywordDir, WriteRemovesTheUpdateFilesItMerged) {
    put(":list", "A\n\nm:0\n");
    put("m", "B\n");
    put(".5.m", "C\n");
    put(".tmp.123scratch", "");
    auto kw = read();
    ASSERT_EQ(kw.byBase.at("m"), Names{"B"});
    // Meanwhile another process stores a pending update for another message.
    put("n", "Concurrent\n");
    auto state = kw.byBase;
    state["m"].insert("Mine");
    writeCourierKeywords(md.path(), state, kw.updateFiles);
    EXPECT_FALSE(has("m"));
    EXPECT_FALSE(has(".5.m"));
    EXPECT_TRUE(has("n"));                // not read by us: newer, still wins
    EXPECT_TRUE(has(".tmp.123scratch"));  // Courier's to clean up
    auto back = read();
    EXPECT_EQ(back.byBase.at("m"), (Names{"B", "Mine"}));
    EXPECT_EQ(back.byBase.at("n"), Names{"Concurrent"});
}

TEST_F(KeywordDir, WriteKeepsAnUpdateRenamedOverTheOneItRead) {
    put("m", "Old\n");
    auto kw = read();
    // A STORE replaces the pending file (tmp/ + rename) after our read.
    put("tmpfile", "Newer\n");
    fs::rename(kwDir() / "tmpfile", kwDir() / "m");
    writeCourierKeywords(md.path(), kw.byBase, kw.updateFiles);
    ASSERT_TRUE(has("m"));
    EXPECT_EQ(read().byBase.at("m"), Names{"Newer"});
}

TEST_F(KeywordDir, WriteWithoutSnapshotRemovesEveryUpdateFile) {
    put("m", "B\n");
    put(".5.n", "C\n");
    writeCourierKeywords(md.path(), {{"m", {"B"}}, {"n", {"C"}}});
    EXPECT_FALSE(has("m"));
    EXPECT_FALSE(has(".5.n"));
    EXPECT_TRUE(has(":list"));
    EXPECT_EQ(read().byBase, (CourierKeywordMap{{"m", {"B"}}, {"n", {"C"}}}));
}

TEST_F(KeywordDir, PendingUpdateIsWhatStoreWrites) {
    writeCourierKeywords(md.path(), {{"m", {"A"}}});
    writeCourierKeywordUpdate(md.path(), "m", {"B", "$C"});
    EXPECT_EQ(*readFileIfExists(kwDir() / "m"), "$C\nB\n");
    EXPECT_EQ(read().byBase.at("m"), (Names{"$C", "B"}));
    writeCourierKeywordUpdate(md.path(), "m", {});
    EXPECT_FALSE(read().byBase.count("m"));
    EXPECT_TRUE(fs::is_empty(md.path() / "tmp"));
}

TEST_F(KeywordDir, CreatesTheDirectoryWithTheFolderMode) {
    fs::permissions(md.path(), fs::perms(0750));
    writeCourierKeywordUpdate(md.path(), "m", {"A"});
    struct stat st;
    ASSERT_EQ(::stat(kwDir().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0750u);
}

TEST_F(KeywordDir, RefusesWhatTheFormatCannotHold) {
    auto invalid = [](auto fn) {
        try {
            fn();
        } catch (const Error& e) {
            return e.kind() == ErrorKind::InvalidName;
        }
        return false;
    };
    EXPECT_TRUE(invalid([&] { writeCourierKeywordUpdate(md.path(), "../escape", {"A"}); }));
    EXPECT_TRUE(invalid([&] { writeCourierKeywordUpdate(md.path(), ".hidden", {"A"}); }));
    EXPECT_TRUE(invalid([&] { writeCourierKeywordUpdate(md.path(), "m", {"two\nlines"}); }));
    EXPECT_TRUE(invalid([&] { writeCourierKeywords(md.path(), {{"m:2,S", {"A"}}}); }));
    EXPECT_TRUE(invalid([&] { writeCourierKeywords(md.path(), {{"m", {""}}}); }));
    EXPECT_FALSE(has(":list"));
}

}  // namespace
}  // namespace maildex::index
