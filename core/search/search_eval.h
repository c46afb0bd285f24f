#pragma once
// Evaluating a SEARCH program over the messages of a session's view. Keys about flags,
// UIDs and sequence numbers use memory only; dates and sizes come from the index;
// headers and bodies are read from the file, once per message and only when a key that
// needs them is reached (cheap keys are evaluated first).

#include <cstdint>
#include <vector>

#include "core/search/search_key.h"
#include "index/mailbox_view.h"

namespace maildex::core::search {

struct Match {
    std::uint32_t seq;
    std::uint32_t uid;
    std::uint64_t modseq;
};

// Whether the program has a MODSEQ key (the answer then carries the highest modseq).
bool usesModseq(const Key& key);

// Messages of `view` that match, in sequence order. `now` is for OLDER/YOUNGER.
std::vector<Match> evaluate(const Program& program, index::MailboxView& view, std::int64_t now);

// Puts cheap keys before costly ones inside AND and OR (result unchanged).
void orderByCost(Key& key);

}  // namespace maildex::core::search
