// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 3501 6.3.3-7), NAMESPACE
// (RFC 2342), STATUS (RFC 3501 6.3.10, RFC 8438 STATUS=SIZE).

#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "core/commands/requests.h"
#include "core/commands/status_items.h"
#include "core/mailbox_list.h"
#include "core/shared_index.h"
#include "index/layout.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

// The level a folder is created or renamed into. A shared account's top level is its
// INBOX, which is never shared: no one may create there (Courier refuses it the same
// way, naming "#shared.<account>").
MailboxRef parentOf(CommandContext& ctx, const MailboxRef& mailbox) {
    MailboxRef parent = mailbox;
    parent.folder = std::string(index::parentName(mailbox.folder));
    if (parent.shared() && parent.folder.empty())
        refuseRight(ctx, 'c', std::string(kSharedPrefix) + parent.sharedPath);
    return parent;
}

// The name the client would use for a folder, for refusals.
std::string imapNameOf(CommandContext& ctx, const MailboxRef& mailbox) {
    if (!mailbox.shared()) return ctx.session.names().toImap(mailbox.folder, ctx.session.utf8());
    return std::string(kSharedPrefix) + mailbox.sharedPath + "." +
           MailboxNames("", '.', false).toImap(mailbox.folder, ctx.session.utf8());
}

}  // namespace

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
    MailboxRef target = mailboxFor(ctx, name);
    auto& store = *target.store;
    // Creating below a folder takes its "c" right (RFC 4314's "k"; Courier keeps "c").
    // The new folder starts with the list it inherits, written into its own file as
    // Courier writes it the first time it reads a folder that has none.
    MailboxRef parent = parentOf(ctx, target);
    requireRights(ctx, parent, "c", imapNameOf(ctx, parent));
    auto inherited = folderAcl(parent);
    acl::giveOwnerLookupAndAdminister(inherited, ownerLoginOf(ctx, target));
    bool existed = store.exists(target.folder);
    store.create(target.folder);
    if (!existed) saveFolderAcl(target, inherited);
    if (!use.empty()) store.setSetting("special-use:" + target.folder, use);
    ctx.okText = "CREATE completed";
}

void deleteMailbox(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    if (isInboxName(name)) throw CommandError("INBOX cannot be deleted", "CANNOT");
    MailboxRef target = existingMailboxFor(ctx, name, false);
    auto& store = *target.store;
    requireRights(ctx, target, "x", name);
    const auto& trash = ctx.session.config().trashFolder;
    if (!target.shared() && !trash.empty() && target.folder == trash)
        throw CommandError("The trash folder cannot be deleted", "CANNOT");
    if (isSelected(ctx, target)) ctx.session.deselect();
    // Folders below it go on inheriting its list, from courierimaphieracl/ as in Courier.
    bool hasChildren = false;
    for (const auto& e : store.list())
        if (e.name == target.folder) hasChildren = e.hasChildren;
    auto list = folderAcl(target);
    acl::giveOwnerLookupAndAdminister(list, ownerLoginOf(ctx, target));
    store.remove(target.folder);
    if (hasChildren) saveFolderAcl(target, list);
    store.setSetting("special-use:" + target.folder, "");
    ctx.okText = "DELETE completed";
}

void rename(CommandContext& ctx) {
    std::string from = ctx.args.astring("a mailbox name");
    std::string to = ctx.args.astring("a new mailbox name");
    ctx.args.expectEnd();
    MailboxRef src = isInboxName(from) ? ownMailbox(ctx, {}) : mailboxFor(ctx, from);
    if (isInboxName(to)) throw CommandError("INBOX already exists", "ALREADYEXISTS");
    MailboxRef dst = mailboxFor(ctx, to);
    requireRights(ctx, src, "x", from);
    MailboxRef newParent = parentOf(ctx, dst);
    requireRights(ctx, newParent, "c", imapNameOf(ctx, newParent));
    if (src.store != dst.store)
        throw CommandError("Cannot move a folder to a different account", "CANNOT");
    auto& store = *src.store;
    if (store.exists(dst.folder)) throw CommandError("Mailbox already exists", "ALREADYEXISTS");
    auto* sel = ctx.selectedIfAny();
    if (sel && &sel->view->folder().mailstore() == &store && !src.folder.empty() &&
        (sel->view->folder().name() == src.folder ||
         index::isInside(sel->view->folder().name(), src.folder)))
        ctx.session.deselect();
    store.rename(src.folder, dst.folder);
    ctx.okText = "RENAME completed";
}

void subscribe(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    // Subscriptions are kept per Maildir for its own folders (courierimapsubscribed); a
    // shared folder's name is answered as Courier answers it, OK with nothing kept, and
    // LIST "" "#shared.*" is how clients find those folders.
    if (isSharedName(name) && !ctx.session.sharedIndexFile().empty()) {
        ctx.okText = "SUBSCRIBE completed";
        return;
    }
    ctx.session.mailstore().setSubscribed(folderFor(ctx, name), true);
    ctx.okText = "SUBSCRIBE completed";
}

void unsubscribe(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    // Subscriptions of names that no longer exist can be removed too.
    if (isSharedName(name) && !ctx.session.sharedIndexFile().empty()) {
        ctx.okText = "UNSUBSCRIBE completed";
        return;
    }
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
        .nil();
    // RFC 2342 5: the other users' namespace is where other accounts' folders are, here
    // the shared namespace Courier names "#shared." (and its "shared." for filesystem
    // shared folders, which Maildex does not serve).
    if (ctx.session.sharedIndexFile().empty())
        ctx.out().nil();
    else
        ctx.out().open().open().string(kSharedPrefix).string(".").close().close();
    ctx.out().end();
}

void status(CommandContext& ctx) {
    std::string name = ctx.args.astring("a mailbox name");
    auto items = parseStatusItems(ctx.args);
    ctx.args.expectEnd();
    MailboxRef mailbox = existingMailboxFor(ctx, name, false);
    requireRights(ctx, mailbox, "r", name);
    writeStatus(ctx, name, mailbox, items);
    ctx.okText = "STATUS completed";
}

}  // namespace maildex::core::commands
