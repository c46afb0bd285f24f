#pragma once
// The shared state of one open folder in this process, and the operations on it.
//
// Concurrency rules (read these before changing anything here):
// - The Mailstore's database mutex serializes every index transaction of a user's Maildir
//   in this process; SQLite's BEGIN IMMEDIATE serializes them across processes. It is
//   always taken before a Folder's own mutex, never after.
// - A Folder's mutex guards its in-memory message list and change log, and only for short
//   moments: no file I/O, no SQL and no listener call happens while it is held.
// - Every writer goes through Folder::write (index/write_scope.h), which keeps the order:
//   open a transaction; finish the STOREs a dead process left half-done; catch up with
//   what other processes committed; the writer changes the files (rename/link/unlink) and
//   writes the rows; commit; then apply the committed rows to memory ("catch-up" again,
//   which is the only way memory changes) and publish the events. Commit, then publish.
// - Because memory only ever changes by reading committed rows, a change made by another
//   process and one made here travel the same path and produce the same events.

#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/fs_identity.h"
#include "index/change.h"
#include "index/flags.h"
#include "index/keyword_table.h"
#include "index/message_rows.h"
#include "index/write_scope.h"

namespace maildex::index {

class Mailstore;
class MailboxView;
class Sqlite;
struct StoreIntent;     // a STORE's record of its change, for recovery (store_intent.h)
struct RebuildOptions;  // index/folder_rebuild.h
struct RebuildResult;

using UidList = std::vector<std::uint32_t>;  // ascending

// A message as commands see it in memory; `expunged` is set for a message a session still
// numbers but that has left the folder. Its flags are then the last ones it had, when the
// view still knows them (`lastStateKnown`), else empty.
struct MessageMeta {
    std::uint32_t uid = 0;
    SystemFlags flags = 0;
    std::uint32_t keywords = 0;
    std::uint64_t modseq = 0;
    bool expunged = false;
    bool lastStateKnown = false;
};

// What reading a message's content needs. Sizes and date are computed on first use and
// cached in the index.
struct MessageFile {
    std::filesystem::path path;
    std::int64_t internalDate = 0;  // Unix seconds
    std::uint64_t size = 0;         // bytes on disk
    std::uint64_t vsize = 0;        // bytes with CRLF line ends (RFC822.SIZE)
};

// A value core/ computed from a message's content and asked the index to keep (SORT and
// THREAD keys): an optional integer and some bytes, per field (a number the caller
// chooses) and message. The index does not interpret it.
struct CachedValue {
    std::uint32_t uid = 0;
    std::optional<std::int64_t> number;
    std::string bytes;
};

enum class StoreMode { Replace, Add, Remove };

struct FlagChange {
    StoreMode mode = StoreMode::Add;
    SystemFlags flags = 0;                        // within flag::ImapMask
    std::vector<std::string> keywords;            // names; unknown ones are added to the folder
    std::optional<std::uint64_t> unchangedSince;  // CONDSTORE (RFC 7162)
};

struct StoreResult {
    UidList matched;           // messages that exist (changed or not)
    UidList changed;           // messages whose flags or keywords changed
    UidList modified;          // skipped because their modseq was above unchangedSince
    std::uint64_t modseq = 0;  // the modseq given to the changed messages
};

class StagedMessage;  // index/staged_message.h

struct NewMessage {
    std::string data;  // the message with LF or CRLF line ends, stored as given
    // Or the message already written to a tmp/ file of this Maildir as it arrived (finished).
    std::shared_ptr<StagedMessage> staged;
    SystemFlags flags = 0;
    std::vector<std::string> keywords;
    std::int64_t internalDate = 0;  // Unix seconds; 0 = now
};

// Flags a copy or move does not carry into the target (the user may not set them there:
// RFC 4314 4).
struct CopyFlagFilter {
    SystemFlags drop = 0;
    bool dropKeywords = false;
};

struct CopyResult {
    UidList sourceUids;  // the messages copied, ascending
    UidList destUids;    // their new UIDs, in the same order
    std::uint32_t destUidValidity = 0;
};

struct FolderStatus {
    std::uint32_t messages = 0;
    std::uint32_t recent = 0;
    std::uint32_t unseen = 0;
    std::uint32_t deleted = 0;
    std::uint32_t uidNext = 0;
    std::uint32_t uidValidity = 0;
    std::uint64_t highestModseq = 0;
    std::uint64_t size = 0;  // sum of vsize (STATUS=SIZE)
    // What an EXPUNGE would take off the Maildir++ quota's bytes: the sizes of the messages
    // marked \Deleted as the quota counts them (",S=" or bytes on disk), 0 in Trash, which
    // the quota leaves out (STATUS DELETED-STORAGE, RFC 9208 4.2).
    std::uint64_t deletedStorage = 0;
};

// Where a scan found a message's file: new/ or cur/, and the info part of its name.
struct FileSeen {
    bool inNew = false;
    std::string info;  // text after ':'
    bool hasInfo = false;
};

class Folder : public std::enable_shared_from_this<Folder> {
  public:
    using Listener = std::function<void(const ChangeEvent&)>;

    Folder(std::shared_ptr<Mailstore> store, std::string name, std::int64_t id);
    ~Folder();
    Folder(const Folder&) = delete;
    Folder& operator=(const Folder&) = delete;

    const std::string& name() const { return name_; }
    std::filesystem::path dir() const;
    Mailstore& mailstore() { return *store_; }
    // The identity the folder's files are touched under (Mailstore::owner).
    const std::optional<base::FsIdentity>& owner() const;

    std::uint32_t uidValidity() const;
    std::uint32_t uidNext() const;
    std::uint64_t highestModseq() const;
    std::uint32_t messageCount() const;
    bool isDeleted() const;
    std::vector<std::string> keywordNames() const;
    // How many keywords the folder has. Keywords are only added while it is open (a rebuild
    // may renumber them), so a session that compares this with what it announced knows
    // when to send FLAGS again.
    std::size_t keywordCount() const;
    // Names of a message's keywords (from MessageMeta::keywords).
    std::vector<std::string> keywordNames(std::uint32_t keywordSet) const;
    // Keyword set ids whose set contains `name` (case-insensitive), for SEARCH KEYWORD.
    std::vector<std::uint32_t> keywordSetsWith(std::string_view name) const;

    // A session's view of the folder. A read-write view moves new/ messages to cur/ and
    // takes their \Recent. `listener` is told of every change while the view lives.
    std::unique_ptr<MailboxView> open(bool readWrite,
                                      std::shared_ptr<ChangeListener> listener = {});
    std::unique_ptr<MailboxView> open(bool readWrite, Listener listener);

    // Listens without a view (tests, tools); the returned handle unsubscribes.
    std::shared_ptr<void> subscribe(Listener listener);

    // Brings the folder in line with the files. Quick: only when the directories' mtimes
    // changed since the last scan (or are too recent to trust), unless inotify is known to
    // have brought every change already (Watcher::settle). Full: always list both.
    enum class SyncMode { Quick, Full };
    void sync(SyncMode mode = SyncMode::Quick);
    // Reconciles just these entry names of new/ and cur/ (from inotify): whatever files
    // of those messages exist now are what counts.
    void syncNames(const std::vector<std::string>& newNames,
                   const std::vector<std::string>& curNames);
    // Reads what other processes committed to the index. `afterWriter`: first waits for a
    // transaction another process has open (the watcher saw keyword files change, which
    // writers do inside their transaction, before they commit).
    void catchUp(bool afterWriter = false);
    // Inserts the rows of a first index that are still pending (index/pending_rows.h), a
    // chunk per transaction so that other work on the index waits one chunk at most.
    void insertPendingRows();
    // The watcher's periodic check: a quick sync, except that while the user's index is
    // closed for being unused (Mailstore::closeUnusedDatabases) directories whose mtimes
    // are still the ones the folder last synced with do not open it again. Every change
    // another program makes to a folder moves an mtime; the index is only a cache of that.
    void periodicCheck();

    // Makes the index of this folder again from the files and the Courier-format files
    // (index/folder_rebuild.h). Safe while sessions have the folder open.
    RebuildResult rebuild(const RebuildOptions& options);
    // Rewrites courierimapuiddb and courierimapkeywords/:list from the index, whole (for
    // `maildexctl export courier` and `check --repair`).
    void writeMirrors();

    StoreResult store(const UidList& uids, const FlagChange& change);
    // Removes the messages that have \Deleted (only those in `restrictTo`, when given:
    // UID EXPUNGE). The flag is checked under the index lock, so a message another
    // session just undeleted stays. Returns the UIDs removed.
    UidList expungeDeleted(const UidList* restrictTo = nullptr);
    UidList append(std::vector<NewMessage>& messages);
    CopyResult copyTo(const UidList& uids, Folder& dest, bool move,
                      const CopyFlagFilter& filter = {});

    // The file of a message (locating it if another program renamed it).
    MessageFile file(std::uint32_t uid);
    // Just its path, without computing sizes; nullopt when the message is gone.
    std::optional<std::string> path(std::uint32_t uid);
    // INTERNALDATE (Unix seconds) and RFC822.SIZE of many messages at once (SORT by
    // ARRIVAL or SIZE): what the index has cached comes from one query; the rest is
    // computed (a stat for the date, a read of the file for the size) and cached in
    // batches. nullopt for a message that is gone.
    std::vector<std::optional<std::int64_t>> internalDates(const UidList& uids);
    std::vector<std::optional<std::uint64_t>> virtualSizes(const UidList& uids);
    // Where these messages' files were last seen, from one query and without touching the
    // file system, for reading many files in a row; nullopt for a message not in the
    // folder. A file another program renamed since then is found by file(uid).
    std::vector<std::optional<std::filesystem::path>> lastKnownPaths(const UidList& uids);

    // The values kept for `field` (see CachedValue) of the folder's messages, ascending
    // by UID.
    std::vector<CachedValue> cachedValues(std::uint32_t field);
    // Keeps these values (in any order), replacing what was kept for the same messages;
    // values of messages that have left the folder are dropped.
    void storeCachedValues(std::uint32_t field, std::vector<CachedValue> values);

    // Per-message values core/ computed from a message's content (a serialized ENVELOPE,
    // say), by field (a number the caller chooses): those kept for these UIDs (ascending),
    // nullopt where none is. From one range read when the UIDs are dense.
    std::vector<std::optional<std::string>> messageValues(std::uint32_t field, const UidList& uids);
    // Keeps these values, replacing what was kept; values of messages that have left the
    // folder are dropped. Not a change clients see: no modseq, no event.
    void storeMessageValues(std::uint32_t field,
                            const std::vector<std::pair<std::uint32_t, std::string>>& values);

    // Counts for STATUS; `withSize` also sums the sizes (reading files whose size with
    // CRLF line ends is not known yet), `withDeletedStorage` those of the \Deleted messages.
    FolderStatus status(bool withSize = false, bool withDeletedStorage = false);

    // The current UID list.
    UidList uids() const;
    // UIDs of messages that lack `flag` (SEARCH UNSEEN and the like), without copying
    // every message's state.
    UidList uidsWithout(SystemFlags flag) const;
    // UIDs expunged after `modseq` (CONDSTORE/QRESYNC VANISHED), ascending.
    UidList expungedSince(std::uint64_t modseq);

    // Whether its messages count towards the Maildir++ quota (all folders but Trash).
    bool countsForQuota() const { return name_ != kQuotaTrashFolder; }

  private:
    std::uint64_t deletedStorage();
    friend class MailboxView;
    friend class Mailstore;
    friend class WriteScope;
    friend class Watcher;  // sets watchId_
    struct Rebuild;        // its steps (folder_rebuild.cpp)
    struct CatchUp;        // its steps (folder_catch_up.cpp)

    // Every change to the index goes through here (index/write_scope.h): the lock, the
    // transaction, the steps before `work`, the commit, the catch-up, then the events.
    void write(const WriteOptions& options, const std::function<void(WriteScope&)>& work);

    // A message APPEND wrote to tmp/ and synced, for placeTmpFiles to move into cur/.
    struct TmpFile {
        std::filesystem::path path;
        std::string base;  // its name in cur/ up to the ':'
        std::uint64_t size = 0;
        std::uint64_t vsize = 0;
        std::int64_t internalDate = 0;
        SystemFlags flags = 0;
        std::vector<std::string> keywords;
    };
    // APPEND's first half: writes the message to tmp/ (LF line ends, mtime = INTERNALDATE)
    // and syncs it. Takes the message's data.
    TmpFile writeTmpFile(NewMessage& message);
    // Once a message's bytes are in its tmp/ file (t.path, t.size and t.vsize set): syncs
    // it, sets its mtime to `internalDate` (0: now) and names it (t.base, from the file's
    // device and inode, as the Maildir rules ask). For a message written to tmp/ by other
    // means than writeTmpFile.
    static void sealTmpFile(int fd, TmpFile& t, std::int64_t internalDate);
    // APPEND's second half: the files' keywords into courierimapkeywords/, the files into
    // cur/, their rows, one commit. Removes the tmp/ files whatever happens.
    UidList placeTmpFiles(std::vector<TmpFile>& files);
    // After a writer that added messages failed: courierimapuiddb was written ahead of a
    // commit that did not come, and names `uidNext` as its next UID; the index takes it,
    // so that neither goes backwards. Best effort (the index may be what failed).
    void keepReservedUids(std::uint32_t uidNext) noexcept;

    // Memory, guarded by mu_.
    struct State {
        std::shared_ptr<const UidList> uids = std::make_shared<const UidList>();
        std::vector<MessageState> messages;  // parallel to *uids
        std::uint32_t uidValidity = 0;
        std::uint32_t uidNext = 1;
        std::uint32_t recentUid = 1;  // messages from this UID on are unclaimed \Recent
        std::uint64_t highestModseq = 0;
        KeywordTable keywords;
        bool loaded = false;
        bool deleted = false;  // views must go; a re-created folder is a new Folder
    };

    // Runs under the database mutex and an open transaction.
    void catchUpLocked(Sqlite& db, std::vector<ChangeEvent>& events);
    // The folder's pending first-index rows, ascending by UID (those below `doneBelow`
    // are rows already); nullopt when it has none. Decoded once and kept in pending_.
    struct PendingRows {
        std::uint64_t modseq = 0;
        std::uint32_t doneBelow = 0;
        std::shared_ptr<const std::vector<MessageRow>> rows;
    };
    std::optional<PendingRows> readPendingLocked(Sqlite& db);
    // A pending value that cannot be decoded: said in the log, deleted by a writer.
    std::nullopt_t dropDamagedPendingLocked(Sqlite& db, const std::string& why);
    // Where pending_ says a message's file was; nullopt when it does not know the UID.
    std::optional<std::string> pendingPath(std::uint32_t uid) const;
    bool hasPendingRows() const;
    // Every writer that touches the message table calls this first (inside its write
    // transaction, after catching up): it inserts the pending rows, at most `limit` of
    // them. Returns true when none are left.
    bool insertPendingRowsLocked(Sqlite& db, std::size_t limit = SIZE_MAX);
    void insertPendingRowsInBackground();
    void loadKeywordsLocked(Sqlite& db, std::uint32_t knownCount);
    void fullScanLocked(Sqlite& db);
    // Updates a message's row to the file found for it; bumps `modseq` (once) when its
    // flags changed.
    void updateFromFileLocked(Sqlite& db, std::uint32_t uid, SystemFlags oldFlags,
                              const std::string& base, const FileSeen& seen, std::uint64_t& modseq);
    void expungeRowLocked(Sqlite& db, std::uint32_t uid, std::uint64_t& modseq);
    // Numbers files the index does not know, in Courier's delivery order; UIDs from
    // `mirrored` (courierimapuiddb) are reused where still free.
    // Keywords come from courierimapkeywords/ when the folder has it (a rebuilt index, or
    // files Courier numbered).
    void numberNewFilesLocked(Sqlite& db, std::vector<std::pair<std::string, FileSeen>> files,
                              const std::unordered_map<std::string, std::uint32_t>& mirrored,
                              std::uint64_t& modseq, bool keywordsFromMirror);
    void moveNewToCurLocked(Sqlite& db);
    // courierimapkeywords/ (courier_mirror.cpp): a pending update file per message whose
    // keywords changed (what Courier's own STORE writes), merged into :list once enough
    // have piled up. Also for messages about to be placed (APPEND, COPY, MOVE), before
    // their files appear. Returns true when it wrote update files (false: nothing, or :list).
    bool mirrorKeywordsLocked(Sqlite& db,
                              const std::vector<std::pair<std::string, KeywordIds>>& changes);
    // :list from the rows, with `overlay` (base name, keywords) over them.
    void rewriteKeywordMirrorLocked(
        Sqlite& db, const std::vector<std::pair<std::string, KeywordIds>>& overlay = {});
    std::vector<std::string> keywordNamesLocked(Sqlite& db, const KeywordIds& ids);
    // Brings courierimapuiddb up to date: appends `added` when it can, else rewrites it.
    // `addedIsAll`: `added` (ascending) is every message of the folder, and the file is
    // written from it rather than from the rows (a first index: 100,000 rows not read
    // back).
    void writeUidMirrorLocked(Sqlite& db,
                              const std::vector<std::pair<std::uint32_t, std::string>>& added,
                              bool addedIsAll = false);
    std::uint64_t bumpModseqLocked(Sqlite& db);
    std::uint32_t keywordIdLocked(Sqlite& db, const std::string& name);
    std::optional<std::uint32_t> findKeywordIdLocked(Sqlite& db, const std::string& name);
    std::vector<std::string> namesOfSetLocked(std::uint32_t keywordSet) const;
    // Calls fn(uid, state) for each of `uids` (ascending) the folder holds in memory now,
    // under mu_ (fn may use the ...Locked readers of the state).
    template <typename Fn>
    void forEachState(const UidList& uids, Fn&& fn) const {
        std::lock_guard l(mu_);
        const UidList& all = *state_.uids;
        for (auto uid : uids) {
            auto it = std::lower_bound(all.begin(), all.end(), uid);
            if (it == all.end() || *it != uid) continue;
            fn(uid, state_.messages[static_cast<size_t>(it - all.begin())]);
        }
    }
    // Where a message's file is now (folder_locate.cpp): its row's name, or found by base
    // name when another program renamed it; nullopt when it is gone. `statOut`: its stat.
    std::optional<std::string> currentPathLocked(Sqlite& db, std::uint32_t uid,
                                                 std::string* base = nullptr,
                                                 struct stat* statOut = nullptr);
    std::optional<std::string> locateByBase(const std::string& base);
    enum class FileFact { InternalDate, VirtualSize };
    std::vector<std::optional<std::int64_t>> cachedFileFacts(const UidList& uids, FileFact fact);

    // Interrupted STOREs (store_journal.cpp). Each writer's first step, right after its
    // BEGIN IMMEDIATE: finishes the STOREs whose intent is still in the folder's journal,
    // commits that, and begins the caller's transaction again. A directory listing when
    // there are none.
    void finishInterruptedStoresLocked(Sqlite& db);
    // Whether the journal holds an intent (for sync(), whose quick check reads no file).
    bool hasInterruptedStores() const;
    void rollForwardLocked(Sqlite& db, const StoreIntent& intent, std::uint64_t& modseq,
                           std::vector<std::pair<std::string, KeywordIds>>& mirror);
    // This Folder's intent file: written, synced and made live before a STORE touches a
    // file; idle again after its commit. Returns the live path.
    std::filesystem::path writeIntentLocked(const StoreIntent& intent);
    void retireIntent(const std::filesystem::path& live);
    // Removes the idle intent files of processes that are gone (with cleanTmp).
    void cleanJournal();

    // Cleans tmp/ (cleanTmpDirectory in file_util.h) and the journal of idle intents of
    // gone processes: at the folder's first use in the process, then at most hourly from
    // the periodic check.
    void cleanTmp(bool firstUse);

    void publish(const std::vector<ChangeEvent>& events);
    // Claims the unclaimed \Recent messages for this process's first read-write view
    // (caller holds the database lock inside a write transaction); returns the claimed
    // UID range [first, second).
    std::optional<std::pair<std::uint32_t, std::uint32_t>> claimRecentLocked(Sqlite& db);
    // Gives the messages of a claimed range to the first read-write view (after catch-up).
    void assignRecent(std::pair<std::uint32_t, std::uint32_t> range);
    void releaseView(MailboxView* view);
    void listen(const std::shared_ptr<ChangeListener>& listener);
    void stopListening(const ChangeListener* listener);
    void noteResetLocked(std::vector<ChangeEvent>& events, bool deleted);
    void markDeleted();
    std::int64_t id() const { return id_; }

    std::shared_ptr<Mailstore> store_;
    std::string name_;
    std::int64_t id_;

    mutable std::mutex mu_;
    State state_;
    // Recent events, for views to catch up cheaply. A vector, not a deque: libstdc++'s
    // deque allocates 576 bytes even empty, and most folders stay unchanged while open.
    std::vector<ChangeEvent> log_;
    std::uint64_t logStart_ = 0;  // modseq just before the oldest event in log_
    // Weak: a listener whose owner is gone is skipped, and dropped at the next listen().
    std::vector<std::weak_ptr<ChangeListener>> listeners_;
    std::vector<MailboxView*> readWriteViews_;
    std::shared_ptr<void> watch_;            // the Watcher's handle; set by Mailstore
    std::atomic<std::uint64_t> watchId_{0};  // the watch's id, for Watcher::settle (0: none)
    // new/ and cur/ mtimes when a sync last found the index current with them (0: not
    // trustworthy), for periodicCheck.
    std::atomic<std::int64_t> syncedNewMtime_{0};
    std::atomic<std::int64_t> syncedCurMtime_{0};
    std::atomic<std::int64_t> tmpCleanedAt_{0};  // steady clock, seconds; 0: never
    std::uint32_t pendingKeywordFiles_ = 0;      // update files written since :list (db mutex)
    std::string intentName_;  // of this Folder's intent file in maildexjournal/ (db mutex)
    // The pending rows as last read, for finding their files without the database while
    // a background task inserts them (guarded by mu_; null when there are none).
    std::shared_ptr<const std::vector<MessageRow>> pending_;
    std::uint64_t pendingModseq_ = 0;
    bool insertPendingSoon_ = false;  // a sync left pending rows (db mutex)
    bool pendingDamaged_ = false;     // a reader found them undecodable (db mutex)
    UidList unclaimedRecent_;         // \Recent not yet given to any session
    UidList pendingRecent_;           // numbered by this process, not yet caught up (db mutex)
};

}  // namespace maildex::index
