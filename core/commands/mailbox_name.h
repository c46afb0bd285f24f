#pragma once
// A mailbox argument turned into the folder it names: one of the user's own, or another
// account's reached through the shared namespace ("#shared.<account>.<folder>",
// core/shared_index.h).

#include <memory>
#include <string>

#include "core/command.h"

namespace maildex::index {
class Mailstore;
}  // namespace maildex::index

namespace maildex::core {
struct SharedAccount;
}  // namespace maildex::core

namespace maildex::core::commands {

// A folder in a Maildir: the session's own, or a shared account's. Rights on a shared
// account's folder come from its courierimapacl with the session's identifiers, and no
// one is its "owner" there (core/commands/folder_rights.h).
struct MailboxRef {
    std::shared_ptr<index::Mailstore> store;
    std::string folder;  // index spelling ("" = that Maildir's INBOX)
    // Reached through #shared: the account's path ("alice") and the identifier its owner
    // protections name (SharedAccount::ownerLogin). Empty path: the session's own.
    std::string sharedPath;
    std::string ownerLogin;

    bool shared() const { return !sharedPath.empty(); }
};

// The folder (index spelling) for an IMAP mailbox name in the user's own namespace;
// CommandError when the name lies outside the namespace or is not valid on the wire.
std::string folderFor(CommandContext& ctx, const std::string& imapName);

// The folder, which must exist (NO [TRYCREATE] otherwise, for APPEND/COPY/MOVE targets;
// NO [NONEXISTENT] when `tryCreate` is false).
std::string existingFolderFor(CommandContext& ctx, const std::string& imapName, bool tryCreate);

// The same for any mailbox name, own or shared. A shared name whose account is not in the
// index, cannot be served under the session's identity, or is the account's own level
// ("#shared.alice") or INBOX, does not exist. Whether the user may use it is the
// caller's question (folder_rights.h).
MailboxRef mailboxFor(CommandContext& ctx, const std::string& imapName);
MailboxRef existingMailboxFor(CommandContext& ctx, const std::string& imapName, bool tryCreate);

// The session's own folder as a reference.
MailboxRef ownMailbox(CommandContext& ctx, std::string folder);
// The selected folder as a reference.
MailboxRef selectedMailbox(CommandContext& ctx);

// Whether this session may reach the shared account's Maildir at all (the one place that
// decides; its rights on each folder are then the folder's list). Logs a refusal once.
bool servesSharedAccount(CommandContext& ctx, const SharedAccount& account);

// Whether the name is in the shared namespace ("#shared." and below).
bool isSharedName(std::string_view imapName);

// Whether the session has this folder selected.
bool isSelected(CommandContext& ctx, const std::string& folder);
bool isSelected(CommandContext& ctx, const MailboxRef& mailbox);

}  // namespace maildex::core::commands
