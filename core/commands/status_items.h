#pragma once
// STATUS data items (RFC 3501 6.3.10, RFC 8438 SIZE, RFC 9051 DELETED, RFC 9208
// DELETED-STORAGE, RFC 7889 APPENDLIMIT), shared by STATUS and LIST ... RETURN (STATUS (...)) (RFC
// 5819).

#include <string>
#include <vector>

#include "core/command.h"
#include "core/commands/mailbox_name.h"

namespace maildex::core::commands {

enum class StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Deleted,
    DeletedStorage,
    Size,
    HighestModseq,
    AppendLimit
};

// "(MESSAGES UNSEEN ...)"; BAD for unknown items or an empty list.
std::vector<StatusItem> parseStatusItems(ArgReader& args);
// Writes "* STATUS name (...)" for a folder.
void writeStatus(CommandContext& ctx, const std::string& imapName, const MailboxRef& mailbox,
                 const std::vector<StatusItem>& items);

}  // namespace maildex::core::commands
