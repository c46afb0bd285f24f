#pragma once
// A mailbox argument turned into the folder it names.

#include <string>

#include "core/command.h"

namespace maildex::core::commands {

// The folder (index spelling) for an IMAP mailbox name; CommandError when the name lies
// outside the namespace or is not valid on the wire.
std::string folderFor(CommandContext& ctx, const std::string& imapName);

// The folder, which must exist (NO [TRYCREATE] otherwise, for APPEND/COPY/MOVE targets;
// NO [NONEXISTENT] when `tryCreate` is false).
std::string existingFolderFor(CommandContext& ctx, const std::string& imapName, bool tryCreate);

// Whether the session has this folder selected.
bool isSelected(CommandContext& ctx, const std::string& folder);

}  // namespace maildex::core::commands
