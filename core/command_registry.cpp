// The command table. Adding a command is adding a line here and a handler in
// core/commands/.
//
// Which commands hold expunges. RFC 3501 7.4.1 (RFC 9051 7.5.1 in the same words): "An
// EXPUNGE response MUST NOT be sent when no command is in progress, nor while responding
// to a FETCH, STORE, or SEARCH command. [...] UID FETCH, UID STORE, and UID SEARCH are
// different commands [...] An EXPUNGE response MAY be sent during a UID command." Their
// answers carry sequence numbers that an EXPUNGE in between would shift. RFC 5256 says
// the same of SORT and THREAD ("not permitted while the server is responding to a SORT
// command, but are permitted during a UID SORT command"; likewise THREAD).
//
// COPY takes sequence numbers too, but answers none (COPYUID names UIDs), and RFC 3501
// 5.5 (RFC 9051 5.5) counts it among the "commands that permit an untagged EXPUNGE
// response (commands other than FETCH, STORE, and SEARCH)": after one, a client "MUST
// wait for the completion result response before sending a command with message
// sequence numbers", and "STORE + COPY + FETCH" is its example of an invalid pipeline.
// So an EXPUNGE in COPY's answer reaches the client before it may use a number again:
// COPY does not hold expunges (nor does Dovecot's). MOVE expunges what it moves and says
// so before its tagged reply, with any unrelated expunges: "this is normal IMAP
// operation" (RFC 6851 3.3); it cannot hold them either.

#include <array>

#include "core/command.h"
#include "core/commands/handlers.h"

namespace maildex::core {

namespace {
using namespace commands;
namespace s = state;

constexpr std::array kCommands{
    //         name, valid in, holds expunges, rights on the selected mailbox, handler
    CommandSpec{"CAPABILITY", s::Any, false, "", capability},
    CommandSpec{"NOOP", s::Any, false, "", noop},
    CommandSpec{"LOGOUT", s::Any, false, "", logout},
    CommandSpec{"ID", s::Any, false, "", id},
    CommandSpec{"STARTTLS", s::NotAuthenticated, false, "", startTls},
    CommandSpec{"LOGIN", s::NotAuthenticated, false, "", login},
    CommandSpec{"AUTHENTICATE", s::NotAuthenticated, false, "", authenticate},
    CommandSpec{"UNAUTHENTICATE", s::LoggedIn, false, "", unauthenticate},
    CommandSpec{"ENABLE", s::LoggedIn, false, "", enable},
    CommandSpec{"CREATE", s::LoggedIn, false, "", create},
    CommandSpec{"DELETE", s::LoggedIn, false, "", deleteMailbox},
    CommandSpec{"RENAME", s::LoggedIn, false, "", rename},
    CommandSpec{"SUBSCRIBE", s::LoggedIn, false, "", subscribe},
    CommandSpec{"UNSUBSCRIBE", s::LoggedIn, false, "", unsubscribe},
    CommandSpec{"LIST", s::LoggedIn, false, "", list},
    CommandSpec{"LSUB", s::LoggedIn, false, "", lsub},
    CommandSpec{"NAMESPACE", s::LoggedIn, false, "", namespaceCommand},
    CommandSpec{"STATUS", s::LoggedIn, false, "", status},
    CommandSpec{"APPEND", s::LoggedIn, false, "", append},
    CommandSpec{"GETQUOTAROOT", s::LoggedIn, false, "", getQuotaRoot},
    CommandSpec{"GETQUOTA", s::LoggedIn, false, "", getQuota},
    CommandSpec{"SETQUOTA", s::LoggedIn, false, "", setQuota},
    CommandSpec{"SETACL", s::LoggedIn, false, "", setAcl},
    CommandSpec{"DELETEACL", s::LoggedIn, false, "", deleteAcl},
    CommandSpec{"GETACL", s::LoggedIn, false, "", getAcl},
    CommandSpec{"LISTRIGHTS", s::LoggedIn, false, "", listRights},
    CommandSpec{"MYRIGHTS", s::LoggedIn, false, "", myRightsCommand},
    CommandSpec{"SELECT", s::LoggedIn, false, "", select},
    CommandSpec{"EXAMINE", s::LoggedIn, false, "", examine},
    CommandSpec{"CHECK", s::Selected, false, "", check},
    CommandSpec{"CLOSE", s::Selected, false, "", close},
    CommandSpec{"UNSELECT", s::Selected, false, "", unselect},
    CommandSpec{"EXPUNGE", s::Selected, false, "e", expunge},
    CommandSpec{"UID EXPUNGE", s::Selected, false, "e", uidExpunge},
    CommandSpec{"COPY", s::Selected, false, "r", copy},  // see above: permits EXPUNGE
    CommandSpec{"UID COPY", s::Selected, false, "r", copy},
    CommandSpec{"MOVE", s::Selected, false, "rte", move},  // sends EXPUNGE itself
    CommandSpec{"UID MOVE", s::Selected, false, "rte", move},
    CommandSpec{"REPLACE", s::Selected, false, "rte", replace},  // expunges as MOVE does
    CommandSpec{"UID REPLACE", s::Selected, false, "rte", replace},
    // RFC 9051 6.3 lists IDLE among the authenticated state's commands (as Dovecot takes it).
    CommandSpec{"IDLE", s::LoggedIn, false, "", idle},
    CommandSpec{"FETCH", s::Selected, true, "r", fetch},
    CommandSpec{"UID FETCH", s::Selected, false, "r", fetch},
    CommandSpec{"SEARCH", s::Selected, true, "r", search},
    CommandSpec{"UID SEARCH", s::Selected, false, "r", search},
    CommandSpec{"SORT", s::Selected, true, "r", sort},
    CommandSpec{"UID SORT", s::Selected, false, "r", sort},
    CommandSpec{"THREAD", s::Selected, true, "r", thread},
    CommandSpec{"UID THREAD", s::Selected, false, "r", thread},
    CommandSpec{"STORE", s::Selected, true, "", store},
    CommandSpec{"UID STORE", s::Selected, false, "", store},
};
}  // namespace

const CommandSpec* findCommand(std::string_view name) {
    for (const auto& c : kCommands)
        if (c.name == name) return &c;
    return nullptr;
}

}  // namespace maildex::core
