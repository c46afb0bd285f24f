// index/folder_plan: the importer recipe as a pure function.

#include "index/folder_plan.h"

#include <gtest/gtest.h>

namespace maildex::index {
namespace {

FileSeen cur(const std::string& info = "2,") {
    return {false, info, true};
}
FileSeen fresh() {
    return {true, "", false};
}

std::vector<std::pair<std::uint32_t, std::string>> uids(const FolderPlan& p) {
    std::vector<std::pair<std::uint32_t, std::string>> out;
    for (const auto& m : p.messages)
        out.emplace_back(m.uid, m.base);
    return out;
}

TEST(FolderPlan, KeepsListedUidsAndNumbersTheRestInCourierOrder) {
    FolderPlanInput in;
    in.files = {{"100.M1.h", cur("2,S")},   {"100.M2.h", cur()}, {"200.M99999.h", fresh()},
                {"200.M100000.h", fresh()}, {"150.M1.h", cur()}, {"99.M1.h", fresh()}};
    in.uidDb = CourierUidDb{777, 4, {{1, "100.M1.h"}, {3, "100.M2.h"}, {2, "gone.h"}}};
    auto plan = planFolder(in);
    EXPECT_EQ(plan.uidValidity, 777u);
    EXPECT_EQ(uids(plan), (std::vector<std::pair<std::uint32_t, std::string>>{
                              {1, "100.M1.h"},
                              {3, "100.M2.h"},
                              {4, "99.M1.h"},  // older second first
                              {5, "150.M1.h"},
                              {6, "200.M100000.h"},  // then byte order: "M1" < "M9"
                              {7, "200.M99999.h"}}));
    EXPECT_EQ(plan.uidNext, 8u);
    EXPECT_EQ(plan.fromMirror, 2u);
    EXPECT_EQ(plan.numbered, 4u);
    EXPECT_EQ(plan.messages[0].flags, flag::Seen);
}

TEST(FolderPlan, NextUidIsAboveEveryListedUid) {
    FolderPlanInput in;
    in.files = {{"1.a", cur()}, {"2.b", fresh()}};
    in.uidDb = CourierUidDb{5, 2, {{9, "1.a"}}};  // header next too low
    auto plan = planFolder(in);
    EXPECT_EQ(uids(plan),
              (std::vector<std::pair<std::uint32_t, std::string>>{{9, "1.a"}, {10, "2.b"}}));
    EXPECT_EQ(plan.uidNext, 11u);
}

TEST(FolderPlan, AUidGivenTwiceStaysWithTheFileDeliveredFirst) {
    FolderPlanInput in;
    in.files = {{"10.a", cur()}, {"20.b", cur()}};
    in.uidDb = CourierUidDb{5, 4, {{3, "20.b"}, {3, "10.a"}}};
    auto plan = planFolder(in);
    EXPECT_EQ(uids(plan),
              (std::vector<std::pair<std::uint32_t, std::string>>{{3, "10.a"}, {4, "20.b"}}));
    ASSERT_EQ(plan.notes.size(), 1u);
    EXPECT_NE(plan.notes[0].find("UID 3 to both"), std::string::npos);
}

TEST(FolderPlan, IndexUidsFillWhatTheMirrorLostUnderTheSameUidValidity) {
    FolderPlanInput in;
    in.files = {{"10.a", cur()}, {"20.b", cur()}, {"30.c", cur()}};
    in.uidDb = CourierUidDb{5, 2, {{1, "10.a"}}};
    in.indexUids = {{"10.a", 1}, {"20.b", 7}, {"30.c", 1}};  // 1 is the mirror's already
    in.indexUidValidity = 5;
    in.indexUidNext = 9;
    auto plan = planFolder(in);
    EXPECT_EQ(uids(plan), (std::vector<std::pair<std::uint32_t, std::string>>{
                              {1, "10.a"}, {7, "20.b"}, {9, "30.c"}}));
    EXPECT_EQ(plan.fromIndex, 1u);
    // Another UIDVALIDITY: the index's numbers mean nothing.
    in.indexUidValidity = 6;
    EXPECT_EQ(uids(planFolder(in)), (std::vector<std::pair<std::uint32_t, std::string>>{
                                        {1, "10.a"}, {2, "20.b"}, {3, "30.c"}}));
}

TEST(FolderPlan, WithoutAUidDbTheIndexUidValidityStays) {
    FolderPlanInput in;
    in.files = {{"10.a", cur()}};
    EXPECT_EQ(planFolder(in).uidValidity, 0u);  // nothing to take it from
    in.indexUidValidity = 42;
    EXPECT_EQ(planFolder(in).uidValidity, 42u);
}

TEST(FolderPlan, KeywordsFoldOntoTheFirstSpellingInUidOrder) {
    FolderPlanInput in;
    in.files = {{"10.a", cur()}, {"20.b", cur()}, {"30.c", cur()}};
    in.uidDb = CourierUidDb{5, 4, {{1, "10.a"}, {2, "20.b"}, {3, "30.c"}}};
    in.keywords = CourierKeywordMap{
        {"20.b", {"$label1", "Junk"}}, {"10.a", {"$Label1"}}, {"gone", {"Other"}}};
    auto plan = planFolder(in);
    EXPECT_TRUE(plan.keywordsKnown);
    EXPECT_EQ(plan.messages[0].keywords, (std::vector<std::string>{"$Label1"}));
    EXPECT_EQ(plan.messages[1].keywords, (std::vector<std::string>{"$Label1", "Junk"}));
    EXPECT_TRUE(plan.messages[2].keywords.empty());
    EXPECT_EQ(plan.withKeywords, 2u);
}

}  // namespace
}  // namespace maildex::index
