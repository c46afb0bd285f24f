// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 3501 6.3.3-7), NAMESPACE
// (RFC 2342), STATUS (RFC 3501 6.3.10, RFC 8438 STATUS=SIZE).

#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "core/commands/requests.h"
#include "core/commands/status_items.h"
#include "core/mailbox_list.h"
#include "index/layout.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

void create(CommandContext& ctx) {
    CreateRequest req = parseCreate(ctx.args);
    std::string& name = req.mailbox;
    // RFC 6154 3: an attribute the server does not know or cannot keep is a NO [USEATTR];
    // a Maildir++ folder keeps one.
    std::string use;
    for (const auto& a : req.specialUse) {
        if (!isSpecialUse(a)) throw CommandError("Unknown special-use attribute " + a, "USEATTR");
        if (!use.empty()) throw CommandError("Only one special use per mailbox", "USEATTR");
        use = a;
    }
    // A trailing delimiter asks for a name that will hold others (RFC 3501 6.3.3); in
    // Maildir++ levels need no directory of their own, so it is the same request.
    const char delim = ctx.session.names().delimiter();
    while (name.size() > 1 && name.back() == delim)
        name.pop_back();
    if (isInboxName(name)) throw CommandError("INBOX always exists", "ALREADYEXISTS");
    std::string folder = folderFor(ctx, name);
    auto& store = ctx.session.mailstore();
    // Creating below a folder takes its "c" right (RFC 4314's "k"; Courier keeps "c").
    // The new folder starts with the list it inherits, written into its own file as
    // Courier writes it the first time it reads a folder that has none.
    const std::string parent(index::parentName(folder));
    requireRights(ctx, parent, "c", ctx.session.names().toImap(parent, ctx.session.utf8()));
    auto inherited = folderAcl(ctx, parent);
    acl::giveOwnerLookupAndAdminister(inherited, ctx.session.userName());
    bool existed = store.exists(folder);
    store.create(folder);
    if (!existed) saveFolderAcl(ctx, folder, inherited);
    if (!use.empty()) store.setSetting("special-use:" + folder, use);
    ctx.okText = "CREATE completed";
}

void deleteMailbox(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    if (isInboxName(name)) throw CommandError("INBOX cannot be deleted", "CANNOT");
    std::string folder = existingFolderFor(ctx, name, false);
    requireRights(ctx, folder, "x", name);
    const auto& trash = ctx.session.config().trashFolder;
    if (!trash.empty() && folder == trash)
        throw CommandError("The trash folder cannot be deleted", "CANNOT");
    if (isSelected(ctx, folder)) ctx.session.deselect();
    // Folders below it go on inheriting its list, from courierimaphieracl/ as in Courier.
    bool hasChildren = false;
    for (const auto& e : ctx.session.mailstore().list())
        if (e.name == folder) hasChildren = e.hasChildren;
    auto list = folderAcl(ctx, folder);
    acl::giveOwnerLookupAndAdminister(list, ctx.session.userName());
    ctx.session.mailstore().remove(folder);
    if (hasChildren) saveFolderAcl(ctx, folder, list);
    ctx.session.mailstore().setSetting("special-use:" + folder, "");
    ctx.okText = "DELETE completed";
}

void rename(CommandContext& ctx) {
    std::string from = ctx.args.astring("a mailbox name");
    std::string to = ctx.args.astring("a new mailbox name");
    ctx.args.expectEnd();
    std::string src = isInboxName(from) ? std::string() : folderFor(ctx, from);
    if (isInboxName(to)) throw CommandError("INBOX already exists", "ALREADYEXISTS");
    std::string dst = folderFor(ctx, to);
    requireRights(ctx, src, "x", from);
    const std::string newParent(index::parentName(dst));
    requireRights(ctx, newParent, "c", ctx.session.names().toImap(newParent, ctx.session.utf8()));
    if (ctx.session.mailstore().exists(dst))
        throw CommandError("Mailbox already exists", "ALREADYEXISTS");
    auto* sel = ctx.selectedIfAny();
    if (sel && !src.empty() &&
        (sel->view->folder().name() == src || index::isInside(sel->view->folder().name(), src)))
        ctx.session.deselect();
    ctx.session.mailstore().rename(src, dst);
    ctx.okText = "RENAME completed";
}

void subscribe(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    ctx.session.mailstore().setSubscribed(folderFor(ctx, name), true);
    ctx.okText = "SUBSCRIBE completed";
}

void unsubscribe(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    // Subscriptions of names that no longer exist can be removed too.
    ctx.session.mailstore().setSubscribed(folderFor(ctx, name), false);
    ctx.okText = "UNSUBSCRIBE completed";
}

void namespaceCommand(CommandContext& ctx) {
    ctx.args.expectEnd();
    const auto& names = ctx.session.names();
    std::string delim(1, names.delimiter());
    ctx.out()
        .untagged()
        .atom("NAMESPACE")
        .open()
        .open()
        .string(names.prefix())
        .string(delim)
        .close()
        .close()
        .nil()
        .nil()
        .end();
}

void status(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    auto items = parseStatusItems(ctx.args);
    ctx.args.expectEnd();
    std::string folder = existingFolderFor(ctx, name, false);
    requireRights(ctx, folder, "r", name);
    writeStatus(ctx, name, folder, items);
    ctx.okText = "STATUS completed";
}

}  // namespace maildex::core::commands
