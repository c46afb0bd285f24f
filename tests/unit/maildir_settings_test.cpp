// index/maildir_settings: the settings that must outlive the index, and Mailstore keeping
// them in maildexsettings.

#include "index/maildir_settings.h"

#include <gtest/gtest.h>

#include "index/mailstore.h"
#include "tests/support/temp_maildir.h"

namespace maildex::index {
namespace {

TEST(MaildirSettings, FormatsAndParsesBackWithEscapesAndEmptyValues) {
    MaildirSettings s{{"namespace-prefix", ""},
                      {"namespace-delimiter", "."},
                      {"special-use:Entwürfe", "\\Drafts"},
                      {"odd\tkey", "line\nbreak\\"}};
    std::vector<std::string> warnings;
    EXPECT_EQ(parseMaildirSettings(formatMaildirSettings(s), &warnings), s);
    EXPECT_TRUE(warnings.empty());
}

TEST(MaildirSettings, DamagedLinesAreSkippedWithAWarning) {
    std::vector<std::string> warnings;
    auto s = parseMaildirSettings("# comment\n\nno tab here\nbad\\qescape\tx\nok\tyes", &warnings);
    EXPECT_EQ(s, (MaildirSettings{{"ok", "yes"}}));
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_EQ(warnings[0].rfind("line 3 ", 0), 0u);
}

TEST(MaildirSettings, MailstoreMirrorsThemAndANewIndexTakesThemBack) {
    test::TempMaildir md;
    {
        auto store = Mailstore::open({md.path(), {}});
        store->setSetting(kNamespacePrefixSetting, "");
        store->setSetting(kFolderNamesMutf7Setting, "1");
    }
    auto onDisk = readMaildirSettings(md.path());
    EXPECT_EQ(onDisk.at(kNamespacePrefixSetting), "");
    EXPECT_EQ(onDisk.at(kFolderNamesMutf7Setting), "1");
    EXPECT_FALSE(onDisk.count("last_uidvalidity"));  // index bookkeeping stays inside

    for (const char* f : {"maildex.sqlite", "maildex.sqlite-wal", "maildex.sqlite-shm"})
        std::filesystem::remove(md.path() / f);
    auto store = Mailstore::open({md.path(), {}});
    EXPECT_EQ(store->setting(kNamespacePrefixSetting, "INBOX."), "");
    EXPECT_EQ(store->setting(kFolderNamesMutf7Setting), "1");
}

TEST(MaildirSettings, ImportSettingsFileMakesTheFileWin) {
    test::TempMaildir md;
    auto store = Mailstore::open({md.path(), {}});
    store->setSetting("a", "1");
    writeMaildirSettings(md.path(), {{"b", "2"}});
    EXPECT_EQ(store->importSettingsFile(), 1u);
    EXPECT_EQ(store->settings(), (MaildirSettings{{"b", "2"}}));
    // Without the file, the index's settings are written to it.
    std::filesystem::remove(md.path() / kMaildirSettingsFile);
    EXPECT_EQ(store->importSettingsFile(), 1u);
    EXPECT_EQ(readMaildirSettings(md.path()), (MaildirSettings{{"b", "2"}}));
}

}  // namespace
}  // namespace maildex::index
