// CAPABILITY, NOOP, LOGOUT: valid in every state (RFC 3501 section 6.1).

#include "core/commands/handlers.h"
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
    std::string fields;
    if (!ctx.args.acceptAtom("NIL")) {
        ctx.args.expect(Token::Type::ListBegin, "a list of ID fields or NIL");
        int pairs = 0;
        while (!ctx.args.accept(Token::Type::ListEnd)) {
            std::string key = ctx.args.string("a field name");
            auto value = ctx.args.nstring("a field value");
            if (++pairs > 30 || key.size() > 30 || (value && value->size() > 1024))
                ArgReader::fail("ID fields too many or too long (RFC 2971)");
            fields += " " + key + "=" + value.value_or("NIL");
        }
    }
    ctx.args.expectEnd();
    if (!fields.empty()) ctx.session.noteClientId(fields);
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
    std::vector<std::string> enabled;
    if (ctx.args.atEnd()) ArgReader::fail("ENABLE needs at least one capability");
    while (!ctx.args.atEnd()) {
        std::string cap = ctx.args.upperAtom("a capability");
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
