#include "core/commands/message_set.h"

#include "core/command.h"

namespace maildex::core::commands {

std::vector<std::uint32_t> resolveMessageSet(const index::MailboxView& view, const SequenceSet& set,
                                             bool uid) {
    if (uid) return set.resolveUids(view.uids());
    std::vector<std::uint32_t> seqs;
    if (!set.resolveSequence(view.exists(), seqs))
        throw CommandError("Invalid message sequence number", "", true);
    std::vector<std::uint32_t> uids;
    uids.reserve(seqs.size());
    for (auto s : seqs)
        uids.push_back(view.uidAt(s));
    return uids;
}

}  // namespace maildex::core::commands
