#pragma once
// The command handlers, one family per file in core/commands/. The registry
// (core/command_registry.cpp) says which command calls which handler.

#include "core/command.h"

namespace maildex::core::commands {

// any_state.cpp (RFC 3501 6.1)
void capability(CommandContext& ctx);
void noop(CommandContext& ctx);
void logout(CommandContext& ctx);

// select.cpp (RFC 3501 6.3.1, 6.3.2, 6.4.1, 6.4.2; RFC 3691 UNSELECT)
void select(CommandContext& ctx);
void examine(CommandContext& ctx);
void check(CommandContext& ctx);
void close(CommandContext& ctx);
void unselect(CommandContext& ctx);

// fetch.cpp (RFC 3501 6.4.5, 6.4.8)
void fetch(CommandContext& ctx);

// store.cpp (RFC 3501 6.4.6)
void store(CommandContext& ctx);

// expunge.cpp (RFC 3501 6.4.3)
void expunge(CommandContext& ctx);

}  // namespace maildex::core::commands
