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
    CommandSpec{"SELECT", s::LoggedIn, false, select},
    CommandSpec{"EXAMINE", s::LoggedIn, false, examine},
    CommandSpec{"CHECK", s::Selected, false, check},
    CommandSpec{"CLOSE", s::Selected, false, close},
    CommandSpec{"UNSELECT", s::Selected, false, unselect},
    CommandSpec{"EXPUNGE", s::Selected, false, expunge},
    CommandSpec{"FETCH", s::Selected, true, fetch},
    CommandSpec{"UID FETCH", s::Selected, false, fetch},
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
