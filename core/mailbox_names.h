#pragma once
// IMAP mailbox names ↔ the index's folder names. Courier's namespace is the default:
// personal prefix "INBOX." with "." as the delimiter, so folder "A.B" (directory ".A.B")
// is "INBOX.A.B" and INBOX is the Maildir root. A Maildir migrated from Dovecot may carry
// prefix "" instead (folder "Sent" is "Sent"). "INBOX" matches in any case. On the wire
// names are modified UTF-7 unless the client enabled UTF8=ACCEPT.

#include <optional>
#include <string>
#include <string_view>

namespace maildex::core {

class MailboxNames {
  public:
    explicit MailboxNames(std::string prefix = "INBOX.", char delimiter = '.')
        : prefix_(std::move(prefix)), delimiter_(delimiter) {}

    const std::string& prefix() const { return prefix_; }
    char delimiter() const { return delimiter_; }

    // The folder an IMAP name stands for, or nullopt when the name is outside the
    // namespace or not valid modified UTF-7 / UTF-8. Does not check that it exists.
    std::optional<std::string> toFolder(std::string_view imapName, bool utf8) const;
    std::string toImap(std::string_view folder, bool utf8) const;

  private:
    std::string prefix_;
    char delimiter_;
};

bool isInboxName(std::string_view name);

// The Maildir settings (index::Mailstore::setting) a migration records the old server's
// personal namespace in.
inline constexpr const char* kNamespacePrefixSetting = "namespace-prefix";
inline constexpr const char* kNamespaceDelimiterSetting = "namespace-delimiter";

}  // namespace maildex::core
