#pragma once
// maildirsize: the Maildir++ quota file in the Maildir root, shared by Courier's imapd,
// deliverquota and maildrop (../shared/spec/courier-formats.md section 7; courier-libs
// maildir/maildirquota.c and README.maildirquota.html).
//
//   50000000S,5000C           the quota: <n>S bytes and/or <n>C messages (0 = no limit)
//          17237           35 usage lines, "%12s %12s": bytes and messages; negative
//             28            1 values record removals; the usage is the sum of all lines
//
// Writers append a usage line per delivery/APPEND/COPY/expunge; the file is recalculated
// from scratch (scanning every folder) when it is missing, reaches 5,120 bytes, sums to
// a negative value, or is over quota with more than one line or older than 15 minutes.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

struct MaildirQuota {
    std::uint64_t bytes = 0;     // "<n>S"; 0 = no byte limit
    std::uint64_t messages = 0;  // "<n>C"; 0 = no message limit
    bool unlimited() const { return bytes == 0 && messages == 0; }
    bool operator==(const MaildirQuota&) const = default;
};

struct MaildirUsage {
    std::int64_t bytes = 0;
    std::int64_t messages = 0;
    bool operator==(const MaildirUsage&) const = default;
};

struct MaildirSize {
    MaildirQuota quota;
    MaildirUsage usage;               // the sum of the usage lines
    std::size_t usageLines = 0;       // how many lines follow the quota line
    bool needsRecalculation = false;  // Courier would recalculate before trusting it:
                                      // 5,120 bytes or more, or a negative sum
};

// Parses a quota definition such as "50000000S,5000C" the way Courier's parsequotastr
// does: a number followed by S or C sets that limit; anything else is skipped with a
// warning. "" is no quota.
MaildirQuota parseMaildirQuota(std::string_view definition,
                               std::vector<std::string>* warnings = nullptr);

// Whether `definition` is a quota as an administrator should write one: "<n>S", "<n>C" or
// both, comma-separated, nothing else (parseMaildirQuota's leniency is Courier's, for
// files; a tool's argument that means nothing must be refused, not read as no quota).
bool isStrictMaildirQuota(std::string_view definition);

// "50000000S,5000C", as Courier writes line 1 ("" for no quota).
std::string formatMaildirQuota(const MaildirQuota& quota);

// Parses the whole file. Lenient: usage lines that are not two numbers are ignored with
// a warning (Courier ignores them too).
MaildirSize parseMaildirSize(std::string_view text, std::vector<std::string>* warnings = nullptr);

// Reads <maildirRoot>/maildirsize; nullopt when there is none (no quota).
std::optional<MaildirSize> readMaildirSize(const std::filesystem::path& maildirRoot,
                                           std::vector<std::string>* warnings = nullptr);

// The usage as Courier's recalculation counts it: the files in cur/ and new/ of INBOX and
// of every folder (directories ".<name>", symlinks skipped) except ".<trashFolder>";
// messages whose info has T (\Deleted) do not count; a message's size is its ",S=<n>"
// when the name has one, else its stat() size. Throws Error(Io) only when the root
// cannot be listed.
// `latestDirMtime`, when given, gets the latest mtime (ns) of the directories counted: a
// counter compares it with latestMaildirMtime() afterwards to know nothing changed.
MaildirUsage calculateMaildirUsage(const std::filesystem::path& maildirRoot,
                                   std::string_view trashFolder = "Trash",
                                   std::int64_t* latestDirMtime = nullptr);
// The latest mtime (ns) of the cur/ and new/ directories calculateMaildirUsage counts.
std::int64_t latestMaildirMtime(const std::filesystem::path& maildirRoot,
                                std::string_view trashFolder = "Trash");

// Writes a recalculated maildirsize (the quota line and one usage line) through tmp/ +
// rename(), as Courier's recalculation does.
void writeMaildirSize(const std::filesystem::path& maildirRoot, const MaildirQuota& quota,
                      const MaildirUsage& usage);

// calculateMaildirUsage + writeMaildirSize; returns the usage written.
MaildirUsage recalculateMaildirSize(const std::filesystem::path& maildirRoot,
                                    const MaildirQuota& quota,
                                    std::string_view trashFolder = "Trash");

}  // namespace maildex::index
