#include "core/commands/mailbox_name.h"

#include "index/layout.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

namespace maildex::core::commands {

std::string folderFor(CommandContext& ctx, const std::string& imapName) {
    auto folder = ctx.session.names().toFolder(imapName, ctx.session.utf8());
    if (!folder) throw CommandError("Invalid mailbox name", "CANNOT");
    index::MaildirLayout::validateName(*folder);  // throws Error(InvalidName) → NO [CANNOT]
    return *folder;
}

std::string existingFolderFor(CommandContext& ctx, const std::string& imapName, bool tryCreate) {
    std::string folder = folderFor(ctx, imapName);
    if (!ctx.session.mailstore().exists(folder))
        throw CommandError("Mailbox does not exist", tryCreate ? "TRYCREATE" : "NONEXISTENT");
    return folder;
}

bool isSelected(CommandContext& ctx, const std::string& folder) {
    auto* sel = ctx.selectedIfAny();
    return sel && sel->view->folder().name() == folder;
}

}  // namespace maildex::core::commands
