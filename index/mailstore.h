#pragma once
// One user's Maildir as this process sees it: the Maildir++ layout, the index database,
// and the folders open in the process. Opening the same Maildir twice in one process
// gives the same Mailstore, so every session of a user shares one database connection
// and one state per folder.

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/fs_identity.h"
#include "index/folder.h"
#include "index/layout.h"
#include "index/maildir_settings.h"
#include "index/quota_account.h"

namespace maildex::index {

class Sqlite;

struct MailstoreOptions {
    std::filesystem::path maildir;
    std::filesystem::path indexDir;  // empty: the index lives in the Maildir root
    // A folder's first index of at least this many messages commits their rows as one
    // value and inserts them in the background (index/pending_rows.h); 0: never. For the
    // IMAP server, whose first SELECT of a large folder need not wait for the rows. The
    // process must then call waitForBackgroundWork() (index/background.h) before exiting.
    // The options of a Maildir's first open in the process apply.
    std::size_t pendingRowsFrom = 0;
    // Whose files these are: every access to them, by whichever thread (a session's
    // command, the watcher, background work, the pool closing the database), runs under
    // this identity (core/maildir_owner.h decides it; nullopt: the process's own). The
    // options of the Maildir's first open in the process apply.
    std::optional<base::FsIdentity> owner{};
};

class Mailstore : public std::enable_shared_from_this<Mailstore> {
  public:
    // The process-wide Mailstore of this Maildir, opened on first use. Throws Error.
    static std::shared_ptr<Mailstore> open(const MailstoreOptions& options);

    ~Mailstore();
    Mailstore(const Mailstore&) = delete;
    Mailstore& operator=(const Mailstore&) = delete;

    const MaildirLayout& layout() const { return layout_; }
    std::filesystem::path indexPath() const { return indexPath_; }
    // The identity its files are touched under (MailstoreOptions::owner). Code that works
    // on the Maildir from a thread of its own puts itself under it (base::FsIdentityScope).
    const std::optional<base::FsIdentity>& owner() const { return owner_; }

    std::vector<FolderEntry> list() const { return layout_.list(); }
    bool exists(std::string_view name) const { return layout_.exists(name); }

    // The shared state of a folder (opened and synced on first use). Throws
    // Error(NotFound) when the folder does not exist.
    std::shared_ptr<Folder> folder(std::string_view name);
    // The same without the first sync, for callers that scan the folder their own way
    // (Folder::rebuild).
    std::shared_ptr<Folder> folderUnsynced(std::string_view name);

    // Names of the folders the index has rows for (whether or not their directory exists).
    std::vector<std::string> indexedFolders();
    // Drops the rows of a folder whose directory is gone (sessions see a Reset). Returns
    // false when the directory exists after all, and leaves the rows.
    bool forgetFolder(std::string_view name);

    void create(std::string_view name);
    // Removes the folder's directory and index rows; sessions that have it open see a
    // Reset event. INBOX cannot be removed.
    void remove(std::string_view name);
    // Renames the folder and every folder below it. Renaming INBOX moves its messages
    // into the new folder and leaves INBOX empty (RFC 3501 section 6.3.5).
    void rename(std::string_view from, std::string_view to);

    std::vector<std::string> subscriptions();
    void setSubscribed(std::string_view name, bool subscribed);
    // Replaces the subscriptions with courierimapsubscribed's ("INBOX" and "INBOX.<folder>"
    // lines; other names are not ours). Returns how many there are now.
    std::size_t importCourierSubscriptions();
    // Rewrites courierimapsubscribed from the index (for `maildexctl export courier`).
    void exportCourierSubscriptions();

    // The Maildir++ quota (index/quota_account.h). The account's own quota (authdaemon's
    // MAILDIRQUOTA, the user database's quota=) wins over maildirsize's first line; each
    // login says it again (nullopt: the account names none, maildirsize decides).
    void setAccountQuota(std::optional<MaildirQuota> quota);
    // maildirsize as it is now, for one writer that adds or removes messages (other
    // programs append to it between two writers).
    std::unique_ptr<QuotaAccount> quotaAccount();
    // The quota (the account's winning) and the usage maildirsize says now, without
    // counting anything, for the census over all users (index/quota_census.h); nullopt
    // without a quota. The file is read again only when it changed since the last call.
    struct QuotaStanding {
        MaildirQuota quota;
        std::optional<MaildirUsage> usage;  // nullopt: no maildirsize yet
    };
    std::optional<QuotaStanding> quotaStanding();

    // A persistent setting of this Maildir (e.g. the namespace a migration recorded). Kept
    // in the index and mirrored in the Maildir's maildexsettings file (a new index takes
    // them from there).
    std::string setting(std::string_view key, std::string_view fallback = {});
    void setSetting(std::string_view key, std::string_view value);
    // While its sessions wait (IDLE), a user's index need not hold memory for speed: with
    // thousands of users connected, that is most of what each one costs. Closes the index
    // database; the next use opens it again (a fraction of a millisecond). A user whose
    // sessions all wait then costs no database connection, no mapping of its
    // shared-memory file and no file descriptors.
    void releaseMemory();
    // Closes the index database of every Mailstore in the process that has not used it
    // for `quiet`, for sessions that wait without IDLE. Skips a store that is busy.
    // Returns how many databases were closed since the last call, here or by
    // releaseMemory (the caller may want to give the memory back to the system).
    static std::size_t closeUnusedDatabases(std::chrono::steady_clock::duration quiet);
    // At most this many index databases are open in the process (three descriptors
    // each): opening one more first closes the least recently used that is not in use.
    // During a burst of logins every user between LOGIN and IDLE holds one, and without
    // a bound they took the descriptors new connections needed. Default 64: each open
    // database holds tens of kilobytes that, freed later, leave holes between the blocks
    // of the connections that logged in meanwhile (10,000 TLS connections over 1,000
    // users: 17.0 KB each with 256, 16.6 KB with 64, 16.4 KB with 16), while opening one
    // again costs about 0.35 ms, paid only when more than 64 users are busy at once.
    // Returns the limit it replaces.
    static std::size_t limitOpenDatabases(std::size_t limit);
    static std::size_t openDatabases();
    bool databaseOpen() const { return dbOpen_.load(std::memory_order_relaxed); }
    // Every setting, as maildexsettings holds them.
    MaildirSettings settings();
    // A rebuild from the Maildir's files: the settings become maildexsettings' (when the
    // file is missing, it is written from the index instead). Returns how many there are.
    std::size_t importSettingsFile(std::vector<std::string>* warnings = nullptr);

  private:
    friend class Folder;
    explicit Mailstore(const MailstoreOptions& options);

    // The database lock; see the concurrency rules in folder.h.
    std::unique_lock<std::mutex> lockDb() {
        waiting_.fetch_add(1, std::memory_order_relaxed);
        std::unique_lock lock(dbMu_);
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        return lock;
    }
    // For background work that gives way: the lock, once no session waits for it. A mutex
    // is not fair; without this a loop of short transactions keeps a session waiting.
    std::unique_lock<std::mutex> lockDbAfterOthers() {
        while (waiting_.load(std::memory_order_relaxed) > 0)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        return std::unique_lock(dbMu_);
    }
    // The database connection, opened again if closeUnusedDatabases closed it. Only
    // under lockDb(), and only for as long as the lock is held.
    Sqlite& db();
    bool closeIfUnused(std::chrono::steady_clock::time_point usedBefore);
    void closeLocked();
    void makeRoomForDatabase();
    // The folder's row id, creating the row (with a fresh UIDVALIDITY) when missing.
    std::int64_t folderIdLocked(const std::string& name);
    std::uint32_t newUidValidityLocked();
    void resetOpenFolders(std::string_view name, bool withChildren);
    void importSubscriptionsLocked();
    void replaceSubscriptionsLocked(const std::vector<std::string>& folders);
    void writeCourierSubscriptionsLocked();
    MaildirSettings settingsLocked();
    std::shared_ptr<Folder> folderImpl(std::string_view name, bool sync);

    std::optional<base::FsIdentity> owner_;  // before layout_: the constructor works as it
    MaildirLayout layout_;
    std::string indexPath_;  // not a path, for the reason MaildirLayout::root_ is not
    std::size_t pendingRowsFrom_;

    std::mutex dbMu_;
    std::atomic<int> waiting_{0};  // threads in lockDb(), for lockDbAfterOthers()
    std::unique_ptr<Sqlite> db_;   // null while closed for being unused
    // Of db_; written under dbMu_, read by others choosing which database to close.
    std::atomic<std::chrono::steady_clock::rep> lastUse_{0};
    std::atomic<bool> dbOpen_{false};

    std::mutex quotaMu_;
    std::optional<MaildirQuota> accountQuota_;  // guarded by quotaMu_
    // quotaStanding's last reading of maildirsize and what identified the file then
    // (inode, size, mtime in ns); guarded by quotaMu_.
    std::optional<MaildirSize> sizeFile_;
    std::array<std::int64_t, 3> sizeFileStamp_{};

    std::mutex foldersMu_;
    std::map<std::string, std::weak_ptr<Folder>, std::less<>> folders_;
};

}  // namespace maildex::index
