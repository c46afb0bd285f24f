#pragma once
// courierimapsubscribed: Courier-IMAP's list of subscribed folders, one file in the
// Maildir root (../shared/spec/courier-formats.md section 5).
//
//   INBOX\n
//   INBOX.Sent\n
//   INBOX.Entwürfe\n        one folder name per line, on-disk spelling (UTF-8 since
//                          Courier 5; 4.x wrote the modified UTF-7 IMAP name)
//
// Courier does not update the file on RENAME or DELETE, so it may name folders that no
// longer exist; the reader keeps them (LSUB reports them too) and leaves the decision to
// the caller.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

// The names in file order, without duplicates. Lenient: empty lines are skipped; a
// trailing '\r' is removed and lines with other control characters are skipped, each with
// a warning.
std::vector<std::string> parseCourierSubscriptions(std::string_view text,
                                                   std::vector<std::string>* warnings = nullptr);

// Reads <maildirRoot>/courierimapsubscribed; a missing file means no subscriptions.
std::vector<std::string> readCourierSubscriptions(const std::filesystem::path& maildirRoot,
                                                  std::vector<std::string>* warnings = nullptr);

// Writes the whole file through tmp/ and rename(), as Courier does. Throws
// Error(InvalidName) for an empty name or one with a control character.
void writeCourierSubscriptions(const std::filesystem::path& maildirRoot,
                               const std::vector<std::string>& names);

}  // namespace maildex::index
