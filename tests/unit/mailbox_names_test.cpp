// core/mailbox_names: IMAP names ↔ folder names with Courier's and Dovecot's namespaces,
// and with directories in UTF-8 (Courier 5) or modified UTF-7 (Dovecot, Courier 4).

#include "core/mailbox_names.h"

#include <gtest/gtest.h>

namespace maildex::core {
namespace {

TEST(MailboxNames, CourierNamespaceWithUtf8Directories) {
    MailboxNames n;
    EXPECT_EQ(n.toFolder("INBOX.Entw&APw-rfe", false), "Entwürfe");
    EXPECT_EQ(n.toFolder("INBOX.Entwürfe", true), "Entwürfe");
    EXPECT_EQ(n.toFolder("inbox", false), "");
    EXPECT_EQ(n.toFolder("Sent", false), std::nullopt);
    EXPECT_EQ(n.toImap("Entwürfe", false), "INBOX.Entw&APw-rfe");
    EXPECT_EQ(n.toImap("Work & Play", false), "INBOX.Work &- Play");
    // A Courier 4 directory read as UTF-8 shows its literal name, as Courier 5 shows it.
    EXPECT_EQ(n.toImap("Gr&APwA3w-e", false), "INBOX.Gr&-APwA3w-e");
}

TEST(MailboxNames, ModifiedUtf7DirectoriesAreServedAsTheyAre) {
    MailboxNames n("", '.', true);  // Dovecot's default namespace
    EXPECT_EQ(n.toFolder("Entw&APw-rfe", false), "Entw&APw-rfe");
    EXPECT_EQ(n.toFolder("Entwürfe", true), "Entw&APw-rfe");
    EXPECT_EQ(n.toFolder("Archive.2024", false), "Archive.2024");
    EXPECT_EQ(n.toFolder("INBOX", false), "");
    EXPECT_EQ(n.toImap("Entw&APw-rfe", false), "Entw&APw-rfe");
    EXPECT_EQ(n.toImap("Entw&APw-rfe", true), "Entwürfe");
    EXPECT_EQ(n.toImap("&ZeVnLIqe-", true), "日本語");
    EXPECT_EQ(n.toImap("Work &- Play", true), "Work & Play");
    // One directory per name: a non-canonical spelling maps to the canonical one, and
    // what is not modified UTF-7 is no name.
    EXPECT_EQ(n.toFolder("Work &- Play", false), "Work &- Play");
    EXPECT_EQ(n.toFolder("Bad&name", false), std::nullopt);
    EXPECT_EQ(n.toFolder(std::string("bad\xff", 4), true), std::nullopt);
    // A UTF-8 directory made by another program is shown encoded.
    EXPECT_EQ(n.toImap("Grüße", false), "Gr&APwA3w-e");
}

TEST(MailboxNames, OtherDelimiterWithModifiedUtf7) {
    MailboxNames n("", '/', true);
    EXPECT_EQ(n.toFolder("Archive/Entw&APw-rfe", false), "Archive.Entw&APw-rfe");
    EXPECT_EQ(n.toImap("Archive.Entw&APw-rfe", true), "Archive/Entwürfe");
    EXPECT_EQ(n.toFolder("a.b", false), std::nullopt);
}

}  // namespace
}  // namespace maildex::core
