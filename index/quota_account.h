#pragma once
// The Maildir++ quota of one Maildir as the server keeps it while it writes: checked
// before messages are added, and a usage line appended for every addition and removal,
// exactly as Courier's maildirquota.C does, so that deliverquota, maildrop, Courier's
// imapd and Maildex can all write maildirsize at once (index/courier_quota.h has the
// format).
//
// Nobody locks maildirsize. What keeps it right:
// - A usage line is appended in one write() to a descriptor opened with O_APPEND: lines
//   of several writers never interleave, and the sum stays the truth.
// - An addition that keeps the sum within the quota is allowed without looking further.
//   One that does not (or a file that needs it: 5,120 bytes or more, a negative sum, a new
//   quota) has the usage counted again from the folders: every cur/ and new/ but the
//   Trash folder's, a message with T (\Deleted) not counting, its size from ",S=" in its
//   name or else stat(). The result is written to tmp/ and renamed over maildirsize; if a
//   directory changed meanwhile (the latest mtime of those counted moved), it is counted
//   again, up to five times, and then the addition is let through, as Courier does.
// - Over quota with a file of one line younger than 15 minutes, nothing is counted again:
//   the answer is no (a full mailbox is not rescanned at every delivery attempt).
// - A quota from the account (authdaemon's MAILDIRQUOTA, the user database's quota=)
//   wins: when maildirsize has another one, or none, it is written with the account's
//   quota and counted anew.
//
// Courier refuses an addition that would go over the quota even when the user is under
// it before (its imapd answers NO, deliverquota exits 75); Maildex follows it. Removals
// are always recorded and never refused.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "index/courier_quota.h"

namespace maildex::index {

// The folder Maildir++ leaves out of the usage, as Courier's TRASH: its messages are on
// their way out, and moving a message there must work over quota.
inline constexpr const char* kQuotaTrashFolder = "Trash";

// What a change does to the usage.
struct QuotaDelta {
    std::int64_t bytes = 0;
    std::int64_t messages = 0;
    void add(std::int64_t size) {
        bytes += size;
        ++messages;
    }
    bool empty() const { return bytes == 0 && messages == 0; }
};

class QuotaAccount {
  public:
    // Opens <maildirRoot>/maildirsize. `accountQuota`: the quota the account says, if any.
    // Without a maildirsize and without an account quota there is no quota: every check
    // passes and nothing is recorded.
    QuotaAccount(std::filesystem::path maildirRoot, std::optional<MaildirQuota> accountQuota,
                 std::string trashFolder = kQuotaTrashFolder);
    ~QuotaAccount();
    QuotaAccount(const QuotaAccount&) = delete;
    QuotaAccount& operator=(const QuotaAccount&) = delete;

    bool limited() const { return active_ && !quota_.unlimited(); }
    const MaildirQuota& quota() const { return quota_; }
    // The usage maildirsize says (after any recount this object did).
    const MaildirUsage& usage() const { return usage_; }
    // The fuller of the two resources, in percent (Courier's maildir_readquota; at most
    // 100 when over).
    int percentUsed() const;

    // Whether adding `bytes` in `messages` messages keeps the Maildir within its quota
    // (counting again where Courier would). Throws Error(Io) only when the Maildir itself
    // cannot be read.
    bool mayAdd(std::int64_t bytes, std::int64_t messages);
    // Records a change (negative for removals): one line appended to maildirsize.
    void record(std::int64_t bytes, std::int64_t messages);

  private:
    void readFile();
    // Counts the usage again and replaces maildirsize; false when a directory changed
    // while it counted (try again).
    bool recount();
    bool within(std::int64_t bytes, std::int64_t messages) const;

    std::filesystem::path root_;
    std::string trash_;
    bool active_ = false;  // there is a maildirsize, or the account has a quota
    int fd_ = -1;          // maildirsize, O_APPEND; -1 until there is one
    MaildirQuota quota_;
    MaildirUsage usage_;
    std::size_t lines_ = 0;  // usage lines
    std::int64_t fileMtime_ = 0;
    bool recountNeeded_ = false;
};

}  // namespace maildex::index
