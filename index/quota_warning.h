#pragma once
// The quota warning: a message put into INBOX when a Maildir is at least so full, as
// Courier's deliverquota -w and maildrop -w do (courier-libs maildir/maildirquota.c,
// maildir_deliver_quota_warning), so that a user whose mail is read only over IMAP hears
// of it before deliveries start bouncing.
//
// The rules are Courier's, and shared with its programs through the same file:
// - Only a Maildir with a quota is warned, and only when the fuller of its two resources
//   is at or above the percentage (Courier's percentage: rounded down, 100 when over).
// - At most one warning a day: the file "quotawarn" in the Maildir root is touched when a
//   warning goes out, and none goes out while it is younger than 24 hours, whoever
//   touched it (deliverquota, maildrop or Maildex). Once the Maildir is below the
//   percentage again nothing is sent; above it, the warning comes again a day later.
// - The text is the site's (Courier's quotawarnmsg file: headers, a blank line, the body,
//   as a message file), with "Date:" and "Message-Id:" put in front; without that file, a
//   text of our own. It goes into INBOX's new/ like a delivery, its ",S=" size in its name.
// - The warning is never refused for the fullness it warns of, and its size is added to
//   maildirsize even when that takes the Maildir over its quota. (Courier means to do the
//   same, but its addition is itself refused over quota, and maildirsize then falls short
//   of the files until the next recount; Maildex keeps the sum equal to the files.)
//
// Maildex processes claim the warning under a lock on the quotawarn file, so two sessions
// of one user never both send one. Courier's programs do not lock it; a deliverquota
// running at the same instant may send its own, as two deliverquotas may.

#include <cstdint>
#include <filesystem>
#include <string>

#include "index/quota_account.h"

namespace maildex::index {

struct QuotaWarningSettings {
    int percent = 0;                    // MAILDEX_QUOTA_WARN; 0: no warnings
    std::filesystem::path messageFile;  // the site's text; missing: the built-in one
};

enum class QuotaWarning {
    NotNeeded,      // no quota, warnings off, or below the percentage
    AlreadyWarned,  // quotawarn is younger than a day
    Delivered,
};

// The file in the Maildir root whose mtime says when the last warning went out.
inline constexpr const char* kQuotaWarnFile = "quotawarn";

// Puts the warning into the INBOX of `maildirRoot` if `account` (that Maildir's quota, as
// it is now) is at or above `settings.percent` and none was sent in the last day. `now`
// in seconds since the epoch. Throws Error(Io) when the message cannot be written.
QuotaWarning warnIfNearQuota(const std::filesystem::path& maildirRoot, QuotaAccount& account,
                             const QuotaWarningSettings& settings, std::int64_t now);

// The text a warning carries without the site's file (Date and Message-Id not included).
std::string builtInQuotaWarning(int percent);

}  // namespace maildex::index
