// The environment tests/CMakeLists.txt gives the unit tests reaches every one of them:
// gtest_discover_tests once passed only the first ENVIRONMENT entry, so the invariant
// checks (MAILDEX_FATAL_CHECKS) and the sanitizers' options never reached the unit tests,
// and nothing said so.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

TEST(TestEnvironment, CtestPassesEveryEntryToTheUnitTests) {
    // The first entry: set only when ctest runs the test (run by hand, nothing to check).
    if (!std::getenv("MAILDEX_UNDER_CTEST")) GTEST_SKIP() << "not run by ctest";
    const char* tz = std::getenv("TZ");
    EXPECT_EQ(std::string(tz ? tz : ""), "UTC");
    EXPECT_NE(std::getenv("MAILDEX_FATAL_CHECKS"), nullptr);
}

}  // namespace
