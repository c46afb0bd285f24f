// CAPABILITY, NOOP, LOGOUT: valid in every state (RFC 3501 section 6.1).

#include "core/commands/handlers.h"
#include "core/commands/requests.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

void capability(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.out().untagged().atom("CAPABILITY").atoms(ctx.session.capabilities()).end();
}

// NOOP looks for changes on disk that nothing told us about (the directories' mtimes:
// cheap); the session's sync step then reports them, with everyone else's, before the
// tagged OK.
void noop(CommandContext& ctx) {
    ctx.args.expectEnd();
    if (auto* sel = ctx.selectedIfAny()) sel->view->folder().sync();
}

void logout(CommandContext& ctx) {
    ctx.args.expectEnd();
    ctx.session.deselect();
    ctx.out().untagged().bye().text("Logging out").end();
    ctx.session.state() = LoggedOut{};
    ctx.next = Session::Next::Close;
}

}  // namespace maildex::core::commands

namespace maildex::core::commands {

// ID (RFC 2971): the client's fields go to the log; ours are name and version.
void id(CommandContext& ctx) {
    IdRequest req = parseId(ctx.args);
    std::string fields;
    for (const auto& [key, value] : req.fields)
        fields += " " + key + "=" + value.value_or("NIL");
    if (!fields.empty()) ctx.session.noteClientId(fields);
    // A trusted proxy's word on the client (x-originating-ip...), taken after the line above
    // so the log shows what was said before what it changed.
    ctx.session.applyProxyId(req.fields);
    ctx.out()
        .untagged()
        .atom("ID")
        .open()
        .string("name")
        .string("Maildex")
        .string("version")
        .string(MAILDEX_VERSION)
        .close()
        .end();
    ctx.okText = "ID completed";
}

// ENABLE (RFC 5161): only extensions that change how we answer need enabling.
void enable(CommandContext& ctx) {
    EnableRequest req = parseEnable(ctx.args);
    std::vector<std::string> enabled;
    for (auto& cap : req.capabilities) {
        if (cap == "UTF8=ACCEPT" && !ctx.session.utf8()) {
            ctx.session.enableUtf8();
            enabled.push_back(cap);
        } else if (cap == "CONDSTORE" && !ctx.session.condstore()) {
            ctx.session.enableCondstore();
            enabled.push_back(cap);
        } else if (cap == "QRESYNC" && !ctx.session.qresync()) {
            // QRESYNC implies CONDSTORE (RFC 7162 3.2.3); the RFC's example lists only
            // QRESYNC as enabled.
            ctx.session.enableQresync();
            enabled.push_back(cap);
        }
    }
    auto& w = ctx.out().untagged().atom("ENABLED");
    for (const auto& c : enabled)
        w.atom(c);
    w.end();
    ctx.okText = "ENABLE completed";
}

}  // namespace maildex::core::commands
