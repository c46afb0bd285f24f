#pragma once
// Turning a client's sequence set into UIDs of the selected mailbox.

#include <cstdint>
#include <vector>

#include "core/imap/sequence_set.h"
#include "index/mailbox_view.h"

namespace maildex::core::commands {

// UIDs (ascending) the set names in `view`. For sequence numbers a number beyond the
// mailbox is a BAD (RFC 3501 9: seq-number "*" is the largest number in use; others must
// exist); for UIDs, numbers that match nothing are simply not there.
std::vector<std::uint32_t> resolveMessageSet(const index::MailboxView& view, const SequenceSet& set,
                                             bool uid);

}  // namespace maildex::core::commands
