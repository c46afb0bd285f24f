#pragma once
// The command registry: one entry per command (UID variants are their own entries),
// saying in which states it is valid and whether EXPUNGE responses must wait until a
// later command (core/command_registry.cpp says which and why).

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/imap/arguments.h"
#include "core/imap/response_writer.h"
#include "core/session.h"

namespace maildex::core {

namespace state {
inline constexpr std::uint8_t NotAuthenticated = 1;
inline constexpr std::uint8_t Authenticated = 2;
inline constexpr std::uint8_t Selected = 4;
inline constexpr std::uint8_t Any = NotAuthenticated | Authenticated | Selected;
inline constexpr std::uint8_t LoggedIn = Authenticated | Selected;
}  // namespace state

struct CommandContext;
using Handler = void (*)(CommandContext&);

struct CommandSpec {
    std::string_view name;  // "FETCH", "UID FETCH"
    std::uint8_t states;
    // No EXPUNGE response (nor VANISHED, which stands for it under QRESYNC) while the
    // command runs, up to its tagged reply: expunges found meanwhile wait for a later
    // command (RFC 3501 7.4.1, RFC 9051 7.5.1). EXISTS and flag changes are not held.
    bool holdsExpunges;
    // The rights (RFC 4314) the command needs on the selected mailbox, checked before it
    // runs against the session's current rights, so a revoke made meanwhile counts. The
    // rights a command needs on other mailboxes, or that depend on its arguments (STORE's
    // flags), its handler checks.
    std::string_view selectedRights;
    Handler handler;
};

// The entry for a command name (upper case, "UID X" for UID commands), or null.
const CommandSpec* findCommand(std::string_view name);

// A user error: the command is valid but cannot be done. Becomes "tag NO [code] text"
// (or BAD when `bad`).
class CommandError : public std::runtime_error {
  public:
    CommandError(std::string text, std::string code = {}, bool bad = false)
        : std::runtime_error(std::move(text)), code_(std::move(code)), bad_(bad) {}
    const std::string& code() const { return code_; }
    bool bad() const { return bad_; }

  private:
    std::string code_;
    bool bad_;
};

// A response that cannot be completed: a literal whose file ended before the literal did
// (a message file cut short by another program while it was being sent). Whatever the
// server sent next would be read as part of the literal, so the session closes the
// connection instead of answering.
class BrokenResponse : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct CommandContext {
    CommandContext(Session& s, const Request& r, ArgReader a, bool isUid)
        : session(s), request(r), args(a), uid(isUid) {}

    Session& session;
    const Request& request;
    ArgReader args;
    bool uid;  // a UID command

    // The tagged OK: optional response code (written by a function so its arguments go
    // through the writer) and text.
    std::function<void(ResponseWriter&)> okCode;
    std::string okText = "completed";
    // Set by IDLE and AUTHENTICATE: the command goes on with the next line, and its
    // tagged response comes later.
    bool continues = false;
    Session::Next next = Session::Next::Command;
    // Set by a handler whose output would not fit the session's budget: called again
    // (after the client has read) until it returns true; then the command completes with
    // the OK it was given (which starts as okCode and okText).
    std::function<bool(OkReply&)> resume;

    ResponseWriter& out() { return session.writer(); }
    const std::string& tag() const { return request.tag; }

    // The selected mailbox, for a command the registry allows only in the selected state
    // (so it is there). A handler that leaves that state (CLOSE, SELECT, LOGOUT) must not
    // use it afterwards.
    Selected& selected() {
        if (auto* s = std::get_if<Selected>(&session.state())) return *s;
        throw std::logic_error(request.name + " ran with no mailbox selected");
    }
    // The selected mailbox, if any, for a command valid in the authenticated state too.
    Selected* selectedIfAny() { return std::get_if<Selected>(&session.state()); }
};

}  // namespace maildex::core
