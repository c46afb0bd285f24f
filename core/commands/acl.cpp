// SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS (RFC 4314 3) on Courier's
// courierimapacl files, answering as Courier-IMAP 5 does (the rules and the recorded
// answers are in tests/fixtures/courier-acl/): identifiers stored as "user=bob" and shown
// as "bob", rights as Courier stores and shows them (core/acl/rights.h), a list that
// would lock out the owner or the administrators refused.
//
// Where Courier and RFC 4314 part, the RFC is followed when that only refuses what
// Courier would have stored uselessly or lets a client do what it asked: a right letter
// that is not a lower-case letter or digit is BAD (RFC 4314 3.1; Courier stores "LR" and
// ignores it), and "user=bob" and "group=staff" are taken as identifiers (Courier's
// SETACL refuses any identifier with "="), and GETACL shows "group=" entries (Courier's
// hides them, so a client could not see why a user had rights).

#include "core/acl/access.h"
#include "core/commands/folder_rights.h"
#include "core/commands/handlers.h"
#include "core/commands/mailbox_name.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

namespace {

// IMAP_ACL=0 hides the commands, as Courier's imapd does.
void requireAclCommands(CommandContext& ctx) {
    if (!ctx.session.config().acl) throw CommandError("Unknown command", "", true);
}

// The folder an ACL command names: INBOX or a folder with a directory (a hierarchy level
// without one "does not exist" for these commands, as in Courier), the user's own or a
// shared account's.
MailboxRef aclFolder(CommandContext& ctx, const std::string& name) {
    if (isInboxName(name)) return ownMailbox(ctx, {});
    return existingMailboxFor(ctx, name, false);
}

// Bounds on what a client may make every later command of its own read: a list is read
// whole for each check.
constexpr std::size_t kMaxIdentifier = 255;
constexpr std::size_t kMaxEntries = 256;

std::string identifierArg(CommandContext& ctx) {
    std::string given = ctx.args.astring("an identifier");
    if (given.size() > kMaxIdentifier) throw CommandError("Identifier too long", "", true);
    std::string stored = acl::storedIdentifier(given);
    if (stored.empty()) throw CommandError("Invalid identifier", "", true);
    return stored;
}

// RFC 4314 3.1: "+" adds the rights, "-" removes them, neither replaces them.
acl::Rights changedRights(acl::Rights current, std::string_view arg) {
    char mode = 0;
    if (!arg.empty() && (arg[0] == '+' || arg[0] == '-')) {
        mode = arg[0];
        arg.remove_prefix(1);
    }
    acl::Rights given;
    if (!acl::Rights::parseClient(arg, given))
        throw CommandError("Invalid rights: only lower-case letters and digits", "", true);
    if (mode == '+') return current | given;
    if (mode == '-') return current - given;
    return given;
}

void save(CommandContext& ctx, const MailboxRef& folder, const index::CourierAcl& list) {
    if (!acl::ownerAndAdministratorsKeepTheirRights(list, ownerLoginOf(ctx, folder)))
        throw CommandError(
            "Cannot modify ACLs as requested: the owner must keep \"l\" and \"a\", and "
            "administrators every right",
            "CANNOT");
    saveFolderAcl(folder, list);
    ctx.okText = "ACLs updated.";
}

}  // namespace

void setAcl(CommandContext& ctx) {
    requireAclCommands(ctx);
    std::string name = ctx.args.astring("a mailbox name");
    std::string id = identifierArg(ctx);
    std::string rightsArg = ctx.args.astring("rights");
    ctx.args.expectEnd();
    MailboxRef folder = aclFolder(ctx, name);
    requireRights(ctx, folder, "a", name);
    auto list = folderAcl(folder);
    const auto* entry = list.find(id);
    acl::Rights rights =
        changedRights(entry ? acl::Rights::of(entry->rights) : acl::Rights{}, rightsArg);
    if (rights.empty())
        list.remove(id);
    else if (!entry && list.entries.size() >= kMaxEntries)
        throw CommandError("Too many entries in this access control list", "LIMIT");
    else
        list.set(id, rights.stored());
    save(ctx, folder, list);
}

void deleteAcl(CommandContext& ctx) {
    requireAclCommands(ctx);
    std::string name = ctx.args.astring("a mailbox name");
    std::string id = identifierArg(ctx);
    ctx.args.expectEnd();
    MailboxRef folder = aclFolder(ctx, name);
    requireRights(ctx, folder, "a", name);
    auto list = folderAcl(folder);
    list.remove(id);
    save(ctx, folder, list);
}

void getAcl(CommandContext& ctx) {
    requireAclCommands(ctx);
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    MailboxRef folder = aclFolder(ctx, name);
    requireRights(ctx, folder, "a", name);
    auto& w = ctx.out().untagged().atom("ACL").string(name);
    for (const auto& e : folderAcl(folder).entries)
        w.string(acl::shownIdentifier(e.identifier)).string(acl::Rights::of(e.rights).shown());
    w.end();
    ctx.okText = "GETACL completed.";
}

// Courier's answer, which does not depend on the list: the owner's own login always
// holds "l" and "a"; a negative entry for everyone or for the owner cannot take "a" or
// "l"; any other identifier may be given any right. "d" stands for the delete rights.
void listRights(CommandContext& ctx) {
    requireAclCommands(ctx);
    std::string name = ctx.args.astring("a mailbox name");
    std::string given = ctx.args.astring("an identifier");
    ctx.args.expectEnd();
    MailboxRef folder = aclFolder(ctx, name);
    if (!myRights(ctx, folder).hasAny(acl::Rights::of("lricxea")))
        throw CommandError("Mailbox does not exist", "NONEXISTENT");
    const std::string owner = ownerLoginOf(ctx, folder);
    bool ownerLogin = given == owner;
    bool negativeBasic = given == "-anyone" || given == "-anonymous" || given == "-" + owner;
    auto& w = ctx.out().untagged().atom("LISTRIGHTS").string(name).string(given);
    w.string(ownerLogin ? "al" : "");
    for (std::string_view r : {"a", "c", "d", "i", "l", "p", "r", "s", "w"}) {
        bool fixed = (r == "a" || r == "l") && (ownerLogin || negativeBasic);
        if (!fixed) w.string(r);
    }
    w.end();
    ctx.okText = "LISTRIGHTS completed.";
}

void myRightsCommand(CommandContext& ctx) {
    requireAclCommands(ctx);
    std::string name = ctx.args.astring("a mailbox name");
    ctx.args.expectEnd();
    MailboxRef folder = aclFolder(ctx, name);
    acl::Rights rights = myRights(ctx, folder);
    // Courier answers any of these (RFC 4314 names l r i k x a).
    if (!rights.hasAny(acl::Rights::of("lricxea")))
        throw CommandError("Mailbox does not exist", "NONEXISTENT");
    ctx.out().untagged().atom("MYRIGHTS").string(name).string(rights.shown()).end();
    ctx.okText = "MYRIGHTS completed.";
}

}  // namespace maildex::core::commands
