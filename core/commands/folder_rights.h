#pragma once
// The session's rights on a folder, from the folder's courierimapacl (inherited from its
// parents when it has none), checked where a command needs them. One place decides, so a
// command cannot forget the rule or word its refusal differently.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/acl/access.h"
#include "core/acl/rights.h"
#include "core/command.h"
#include "core/commands/mailbox_name.h"
#include "index/courier_acl.h"

namespace maildex::core::commands {

// The list Courier applies to the folder (index/courier_acl.h's readCourierAcl).
index::CourierAcl folderAcl(const MailboxRef& mailbox);
// Writes the folder's own list (a hierarchy level without a directory keeps it in
// courierimaphieracl/, as Courier does).
void saveFolderAcl(const MailboxRef& mailbox, const index::CourierAcl& acl);

// The session's rights on a folder. On the user's own folders the user is "owner" and
// always holds "a"; on a shared account's (#shared) only the entries naming the user,
// their groups or everyone apply: "owner" names no one there (Courier gives those
// folders the owner "vendor=courier.internal").
acl::Rights myRights(Session& session, const MailboxRef& mailbox);
inline acl::Rights myRights(CommandContext& ctx, const MailboxRef& mailbox) {
    return myRights(ctx.session, mailbox);
}
// The same for a folder of the user's own Maildir.
acl::Rights myRights(CommandContext& ctx, const std::string& folder);
// The same through a reader that keeps what it read, for a command that asks about many
// folders of one Maildir (LIST, LSUB). `shared`: the Maildir is another account's.
acl::Rights myRights(Session& session, index::CourierAclReader& lists, const std::string& folder,
                     bool shared = false);

// The login the owner protections of a list are checked for (ownerAndAdministrators-
// KeepTheirRights): the user on their own folders, the shared account's owner identifier
// on its folders.
std::string ownerLoginOf(CommandContext& ctx, const MailboxRef& mailbox);

// Throws NO [NOPERM] "Access denied for COMMAND on MAILBOX (ACL "x" required)" (Courier's
// words, naming the first right missing) unless `held` has all of `needed`. A mailbox the
// user holds no right to look at or read is answered as if it did not exist (RFC 4314 6:
// its existence is not revealed). `mailbox` is its name as the client wrote it, empty
// for the selected one.
void requireRights(CommandContext& ctx, acl::Rights held, std::string_view needed,
                   std::string_view mailbox);
// The refusal itself, for a right no list can grant (a shared account's own level).
[[noreturn]] void refuseRight(CommandContext& ctx, char right, std::string_view mailbox);
// The same, reading the folder's rights first.
acl::Rights requireRights(CommandContext& ctx, const MailboxRef& folder, std::string_view needed,
                          std::string_view mailbox);

// Before a command in the selected state: takes up a change of the selected folder's list
// since it was selected (a revoke counts at once; RFC 4314 5.1.1 lets a server cache them
// instead, as Courier does until the session next reads the list). A mailbox that can no
// longer be changed says so with an untagged OK [READ-ONLY] (RFC 3501 7.1). Then checks
// the rights the command needs there (CommandSpec::selectedRights).
void checkSelectedRights(CommandContext& ctx, const CommandSpec& spec);

// The selected folder's acl::ListSignature as it is now.
acl::ListSignature aclSignature(const MailboxRef& mailbox);

// RFC 5.2 of RFC 4314: a mailbox opens read-only when the user holds none of the rights
// that change it (insert, expunge, and the flag rights); Courier's rule is the same.
bool opensReadOnly(acl::Rights rights);

}  // namespace maildex::core::commands
