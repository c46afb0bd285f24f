// base/fs_identity: a scope puts only its own thread under a user's filesystem identity,
// files made under it are the user's, the kernel refuses what the user may not touch, and
// leaving the scope (nested or not) puts back what was there. Also index/file_modes and
// core/maildir_owner, which decide the modes and the identity. Needs root for the
// switching itself (skipped otherwise).

#include "base/fs_identity.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/maildir_owner.h"
#include "index/file_modes.h"
#include "tests/support/temp_maildir.h"

namespace maildex::base {
namespace {

namespace fs = std::filesystem;

constexpr FsIdentity kAlice{20001, 20001};
constexpr FsIdentity kBob{20002, 20002};

uid_t ownerOf(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_uid;
}

bool create(const fs::path& p) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

struct Switching : ::testing::Test {
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch the filesystem uid";
        enableFsIdentitySwitching(true);
        ::chmod(dir.root().c_str(), 0755);
        ::chmod(dir.path().c_str(), 0777);  // anyone may create here
    }
    void TearDown() override { enableFsIdentitySwitching(false); }
    test::TempMaildir dir;
};

TEST(FsIdentityOff, ScopesDoNothingUntilEnabled) {
    enableFsIdentitySwitching(false);
    {
        FsIdentityScope as(kAlice);
        EXPECT_EQ(currentFsIdentity(), std::nullopt);
    }
    test::TempMaildir dir;
    ASSERT_TRUE(create(dir.path() / "f"));
    EXPECT_EQ(ownerOf(dir.path() / "f"), ::geteuid());
}

TEST_F(Switching, FilesMadeUnderAnIdentityAreItsOwnAndOnlyThisThreadSwitches) {
    std::optional<std::thread> other;
    {
        FsIdentityScope as(kAlice);
        EXPECT_EQ(currentFsIdentity(), kAlice);
        ASSERT_TRUE(create(dir.path() / "alices"));
        // Another thread at the same moment is the server. (A thread inherits its
        // creator's credentials; its first scope sets them, whatever it asks for.)
        other.emplace([&] {
            FsIdentityScope server(std::nullopt);
            EXPECT_TRUE(create(dir.path() / "roots"));
        });
        other->join();
    }
    EXPECT_EQ(ownerOf(dir.path() / "alices"), kAlice.uid);
    EXPECT_EQ(ownerOf(dir.path() / "roots"), 0u);
    EXPECT_EQ(currentFsIdentity(), std::nullopt);
    ASSERT_TRUE(create(dir.path() / "after"));
    EXPECT_EQ(ownerOf(dir.path() / "after"), 0u);
}

TEST_F(Switching, TheKernelRefusesTheOtherUsersFilesAndRootsOnes) {
    auto alices = dir.path() / "alice";
    {
        FsIdentityScope as(kAlice);
        ASSERT_EQ(::mkdir(alices.c_str(), 0700), 0);
        ASSERT_TRUE(create(alices / "mail"));
    }
    ASSERT_TRUE(create(dir.path() / "roots"));
    ::chmod((dir.path() / "roots").c_str(), 0600);
    FsIdentityScope as(kBob);
    EXPECT_FALSE(create(alices / "planted"));
    EXPECT_EQ(errno, EACCES);
    EXPECT_LT(::open((alices / "mail").c_str(), O_RDONLY | O_CLOEXEC), 0);
    EXPECT_LT(::open((dir.path() / "roots").c_str(), O_RDONLY | O_CLOEXEC), 0);
    EXPECT_EQ(errno, EACCES);
}

TEST_F(Switching, NestedScopesPutBackWhatWasThere) {
    {
        FsIdentityScope outer(kAlice);
        {
            FsIdentityScope inner(kBob);
            EXPECT_EQ(currentFsIdentity(), kBob);
            ASSERT_TRUE(create(dir.path() / "bobs"));
            {
                FsIdentityScope server(std::nullopt);  // the server's own (authentication)
                ASSERT_TRUE(create(dir.path() / "servers"));
            }
        }
        EXPECT_EQ(currentFsIdentity(), kAlice);
        ASSERT_TRUE(create(dir.path() / "alices"));
    }
    EXPECT_EQ(ownerOf(dir.path() / "bobs"), kBob.uid);
    EXPECT_EQ(ownerOf(dir.path() / "servers"), 0u);
    EXPECT_EQ(ownerOf(dir.path() / "alices"), kAlice.uid);
}

TEST_F(Switching, TheMaildirOwnerDecides) {
    core::Identity account{"alice", dir.path()};
    ::chown(dir.path().c_str(), 20001, 20005);
    EXPECT_EQ(core::servingIdentity(account, false), (FsIdentity{20001, 20005}));
    account.uid = 20003;
    account.gid = 20004;
    EXPECT_EQ(core::servingIdentity(account, false), (FsIdentity{20003, 20004}));
    account.uid = 0;
    EXPECT_THROW(core::servingIdentity(account, false), core::MaildirOwnerRefused);
    EXPECT_EQ(core::servingIdentity(account, true), std::nullopt);  // MAILDEX_ALLOW_ROOT_MAIL
    ::chown(dir.path().c_str(), 0, 0);
}

TEST(FileModes, CourierModesAndImapUmask) {
    EXPECT_EQ(index::newFileMode(), 0600u);
    EXPECT_EQ(index::newFolderMode(), 0700u);
    index::setImapUmask(022);
    EXPECT_EQ(index::newFileMode(), 0644u);
    EXPECT_EQ(index::newFolderMode(), 0700u);
    index::setImapUmask(027);
    EXPECT_EQ(index::newFileMode(), 0640u);
    index::setImapUmask(0777);  // the owner keeps read and write whatever the umask
    EXPECT_EQ(index::newFileMode(), 0600u);
    EXPECT_EQ(index::newFolderMode(), 0700u);
    index::setImapUmask(std::nullopt);
    EXPECT_EQ(index::newFileMode(), 0600u);
}

}  // namespace
}  // namespace maildex::base
