// The command table. Adding a command is adding a line here and a handler in
// core/commands/.

#include <array>

#include "core/command.h"
#include "core/commands/handlers.h"

namespace maildex::core {

namespace {
using namespace commands;
namespace s = state;

constexpr std::array kCommands{
    //           name           valid in           uses seq numbers  handler
    CommandSpec{"CAPABILITY", s::Any, false, capability},
    CommandSpec{"NOOP", s::Any, false, noop},
    CommandSpec{"LOGOUT", s::Any, false, logout},
    CommandSpec{"ID", s::Any, false, id},
    CommandSpec{"STARTTLS", s::NotAuthenticated, false, startTls},
    CommandSpec{"LOGIN", s::NotAuthenticated, false, login},
    CommandSpec{"AUTHENTICATE", s::NotAuthenticated, false, authenticate},
    CommandSpec{"ENABLE", s::LoggedIn, false, enable},
    CommandSpec{"CREATE", s::LoggedIn, false, create},
    CommandSpec{"DELETE", s::LoggedIn, false, deleteMailbox},
    CommandSpec{"RENAME", s::LoggedIn, false, rename},
    CommandSpec{"SUBSCRIBE", s::LoggedIn, false, subscribe},
    CommandSpec{"UNSUBSCRIBE", s::LoggedIn, false, unsubscribe},
    CommandSpec{"LIST", s::LoggedIn, false, list},
    CommandSpec{"LSUB", s::LoggedIn, false, lsub},
    CommandSpec{"NAMESPACE", s::LoggedIn, false, namespaceCommand},
    CommandSpec{"STATUS", s::LoggedIn, false, status},
    CommandSpec{"APPEND", s::LoggedIn, false, append},
    CommandSpec{"SELECT", s::LoggedIn, false, select},
    CommandSpec{"EXAMINE", s::LoggedIn, false, examine},
    CommandSpec{"CHECK", s::Selected, false, check},
    CommandSpec{"CLOSE", s::Selected, false, close},
    CommandSpec{"UNSELECT", s::Selected, false, unselect},
    CommandSpec{"EXPUNGE", s::Selected, false, expunge},
    CommandSpec{"UID EXPUNGE", s::Selected, false, uidExpunge},
    CommandSpec{"COPY", s::Selected, false, copy},
    CommandSpec{"UID COPY", s::Selected, false, copy},
    CommandSpec{"MOVE", s::Selected, false, move},
    CommandSpec{"UID MOVE", s::Selected, false, move},
    // RFC 9051 6.3 lists IDLE among the authenticated state's commands (as Dovecot takes it).
    CommandSpec{"IDLE", s::LoggedIn, false, idle},
    CommandSpec{"FETCH", s::Selected, true, fetch},
    CommandSpec{"UID FETCH", s::Selected, false, fetch},
    CommandSpec{"SEARCH", s::Selected, true, search},
    CommandSpec{"UID SEARCH", s::Selected, false, search},
    CommandSpec{"SORT", s::Selected, true, sort},
    CommandSpec{"UID SORT", s::Selected, false, sort},
    CommandSpec{"THREAD", s::Selected, true, thread},
    CommandSpec{"UID THREAD", s::Selected, false, thread},
    CommandSpec{"STORE", s::Selected, true, store},
    CommandSpec{"UID STORE", s::Selected, false, store},
};
}  // namespace

const CommandSpec* findCommand(std::string_view name) {
    for (const auto& c : kCommands)
        if (c.name == name) return &c;
    return nullptr;
}

}  // namespace maildex::core
