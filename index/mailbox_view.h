#pragma once
// One session's view of a folder: its own message sequence numbers, its \Recent
// messages, and how far it has been told about changes.
//
// Sequence numbers change only in sync(), which the session calls at the moments IMAP
// allows. While expunges may not be reported (during FETCH, STORE or SEARCH with
// sequence numbers, RFC 3501 section 7.4.1), sync() keeps expunged messages numbered and
// reports only additions and flag changes; the next sync that may report them does.
//
// Views of a folder share its UID list while they are up to date, so ten thousand idle
// sessions on one folder hold one copy of it, not ten thousand.
//
// A view is used by one thread at a time (its session's); the folder only touches its
// \Recent list, under the folder's mutex. A read-write view gets the messages it claims
// (the first read-write view of the folder in this process claims every new one); a
// read-only view claims nothing and sees the unclaimed ones as \Recent, so EXAMINE never
// takes \Recent from a later SELECT.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "index/folder.h"

namespace maildex::index {

class MailboxView {
  public:
    MailboxView(std::shared_ptr<Folder> folder, bool readWrite);
    ~MailboxView();
    MailboxView(const MailboxView&) = delete;
    MailboxView& operator=(const MailboxView&) = delete;

    Folder& folder() { return *folder_; }
    const Folder& folder() const { return *folder_; }
    bool readWrite() const { return readWrite_; }

    std::uint32_t exists() const { return static_cast<std::uint32_t>(seq_->size()); }
    const UidList& uids() const { return *seq_; }
    std::uint32_t uidAt(std::uint32_t seq) const { return (*seq_)[seq - 1]; }
    std::optional<std::uint32_t> seqOf(std::uint32_t uid) const;
    // The first sequence number whose UID is >= uid (exists()+1 if none).
    std::uint32_t seqAtOrAfter(std::uint32_t uid) const;

    // The in-memory state of these messages (UIDs of this view), in the order given. A
    // message that left the folder has `expunged` set, and its last flags where known.
    std::vector<MessageMeta> meta(const UidList& uids) const;
    bool isRecent(std::uint32_t uid) const;
    // The \Recent UIDs of this view, ascending, for asking about many messages in a row.
    UidList recentUids() const;
    std::uint32_t recentCount() const;
    std::uint64_t highestModseq() const { return modseq_; }
    // True once the folder was deleted or its UIDVALIDITY changed under this view.
    bool isReset() const;

    // What a sync tells the session to report.
    struct Update {
        std::vector<std::uint32_t> expungedSeqs;  // EXPUNGE responses, in sending order
        UidList expungedUids;                     // the same messages by UID (VANISHED)
        bool existsChanged = false;
        bool recentChanged = false;
        UidList changedUids;  // FETCH FLAGS responses (by UID; numbered after expunges)
        bool reset = false;   // the folder is gone or was renumbered
    };
    Update sync(bool allowExpunge);
    // About how many messages the next sync would report: the UIDs in the folder's
    // change events this view has not seen (SIZE_MAX when it is too far behind for the
    // folder's log). Lets a caller pick where to run the sync: a few lines are cheaper to
    // compute than to hand to another thread.
    std::size_t unreportedChanges() const;

    // After this session's own STORE: report these UIDs at the next sync even if nothing
    // changed (RFC 3501 STORE returns the flags), or, for .SILENT, do not report the
    // change made with `modseq` at all.
    void reportFlags(const UidList& uids);
    void suppressOwnChange(std::uint64_t modseq);

  private:
    friend class Folder;
    // The last state of a message this view numbers but the folder no longer has: from
    // what an earlier sync kept, or from the folder's log (caller holds the folder's mutex).
    std::optional<MessageState> lastStateLocked(std::uint32_t uid) const;

    // A read-only view (EXAMINE) claims no \Recent, but shows the messages no session has
    // claimed yet as \Recent (RFC 3501 6.3.2, and what STATUS counts): of `uids`, those
    // from the folder's unclaimed mark on join recent_. Under the folder's mutex.
    void noteUnclaimedRecentLocked(const UidList& uids);

    std::shared_ptr<Folder> folder_;
    bool readWrite_;
    std::shared_ptr<const UidList> seq_;
    std::uint64_t modseq_ = 0;
    UidList pendingExpunged_;  // numbered here but gone from the folder
    // The last states of pendingExpunged_ messages, by UID (those the folder's log told).
    std::vector<std::pair<std::uint32_t, MessageState>> expungedStates_;
    UidList forcedReport_;  // reported at next sync (own STORE)
    std::vector<std::uint64_t> silentModseqs_;
    UidList recent_;  // guarded by the folder's mutex
    std::uint32_t reportedRecent_ = 0;
    std::uint32_t uidValidity_ = 0;
    std::shared_ptr<ChangeListener> listener_;  // told of the folder's changes while we live
};

}  // namespace maildex::index
