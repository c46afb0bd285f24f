#pragma once
// IMAP mailbox names ↔ the index's folder names. Courier's namespace is the default:
// personal prefix "INBOX." with "." as the delimiter, so folder "A.B" (directory ".A.B")
// is "INBOX.A.B" and INBOX is the Maildir root. A Maildir migrated from Dovecot may carry
// prefix "" instead (folder "Sent" is "Sent"). "INBOX" matches in any case. On the wire
// names are modified UTF-7 unless the client enabled UTF8=ACCEPT.
//
// Folder names are the directory names, which Courier 5 spells in UTF-8 (".Entwürfe").
// Dovecot and Courier 4 spell them in modified UTF-7 (".Entw&APw-rfe"); a Maildir
// migrated from them records that (kFolderNamesMutf7Setting) and its directories are
// served as they are, not renamed: the wire name is then the directory name itself (or
// its UTF-8 decoding after UTF8=ACCEPT), so the old server and Maildex show the same
// names and either can serve the Maildir.

#include <optional>
#include <string>
#include <string_view>

#include "index/maildir_settings.h"

namespace maildex::core {

class MailboxNames {
  public:
    explicit MailboxNames(std::string prefix = "INBOX.", char delimiter = '.',
                          bool mutf7Folders = false)
        : prefix_(std::move(prefix)), delimiter_(delimiter), mutf7Folders_(mutf7Folders) {}

    const std::string& prefix() const { return prefix_; }
    char delimiter() const { return delimiter_; }
    bool mutf7Folders() const { return mutf7Folders_; }

    // The folder an IMAP name stands for, or nullopt when the name is outside the
    // namespace or not valid modified UTF-7 / UTF-8. Does not check that it exists.
    std::optional<std::string> toFolder(std::string_view imapName, bool utf8) const;
    // The IMAP name of a folder. In a modified-UTF-7 Maildir, a directory name that is not
    // valid modified UTF-7 (made by another program) is shown encoded; such a folder
    // cannot be selected by that name, which maps to the modified-UTF-7 spelling.
    std::string toImap(std::string_view folder, bool utf8) const;

  private:
    std::string prefix_;
    char delimiter_;
    bool mutf7Folders_;
};

bool isInboxName(std::string_view name);

// The Maildir settings (index::Mailstore::setting) a migration records the old server's
// personal namespace and folder name encoding in.
using index::kFolderNamesMutf7Setting;
using index::kNamespaceDelimiterSetting;
using index::kNamespacePrefixSetting;

}  // namespace maildex::core
