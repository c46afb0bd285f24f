#include "core/commands/list_shared.h"

#include <map>

#include "core/commands/folder_rights.h"
#include "core/commands/mailbox_name.h"
#include "core/shared_index.h"
#include "index/courier_acl.h"
#include "index/error.h"
#include "index/layout.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

std::vector<SharedListing> listShared(CommandContext& ctx) {
    std::vector<SharedListing> out;
    if (ctx.session.sharedIndexFile().empty()) return out;
    auto accounts = sharedIndex(ctx.session.sharedIndexFile());
    const MailboxNames names("", '.', false);
    std::map<std::string, SharedListing> shown;  // by name, levels included
    for (const auto& account : *accounts) {
        if (!servesSharedAccount(ctx, account)) continue;
        std::vector<index::FolderEntry> folders;
        try {
            folders = index::MaildirLayout(account.maildir).list();
        } catch (const index::Error&) {
            continue;  // not a Maildir, or not readable: nothing of it to show
        }
        const std::string top = std::string(kSharedPrefix) + account.path;
        index::CourierAclReader lists(account.maildir);
        for (const auto& f : folders) {
            if (f.name.empty() || !f.selectable) continue;
            acl::Rights rights = myRights(ctx.session, lists, f.name, true);
            if (!rights.has('l')) continue;
            std::string name = top + "." + names.toImap(f.name, ctx.session.utf8());
            auto& entry = shown[name];
            entry.imapName = name;
            entry.selectable = true;
            entry.rights = rights;
            // Every level above it is listed (a group's and the account's included), as a
            // \Noselect level unless shown itself.
            for (auto cut = name.rfind('.');
                 cut != std::string::npos && cut >= kSharedPrefix.size();
                 cut = name.rfind('.', cut - 1)) {
                auto& level = shown[name.substr(0, cut)];
                level.imapName = name.substr(0, cut);
                level.hasChildren = true;
            }
        }
    }
    for (auto& [_, entry] : shown)
        out.push_back(std::move(entry));
    return out;
}

}  // namespace maildex::core::commands
