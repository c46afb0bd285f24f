#pragma once
// A STORE's intent, the record of its change that index/store_journal.cpp keeps while it
// runs, and the rules of a STORE that the STORE itself (folder_store.cpp) and the
// roll-forward of an interrupted one (store_journal.cpp) both follow.

#include <cstdint>
#include <string>
#include <vector>

#include "index/flags.h"
#include "index/folder.h"
#include "index/maildir_name.h"

namespace maildex::index {

struct StoreIntent {
    StoreMode mode = StoreMode::Add;
    SystemFlags flags = 0;
    struct Message {
        std::uint32_t uid = 0;
        std::string base;
        std::string from;            // "cur/<name>" or "new/<name>": the file when the STORE began
        std::string to;              // its name in cur/ afterwards
        std::uint32_t keywords = 0;  // its keywords afterwards: an index into keywordSets
    };
    std::vector<Message> messages;
    std::vector<std::vector<std::string>> keywordSets;
};

// The flags a STORE in `mode` leaves on a message that has `current`.
SystemFlags applyFlags(SystemFlags current, SystemFlags change, StoreMode mode);
// The name a file gets with `flags` (always with an info part: it goes to cur/).
std::string nameWithFlags(const MaildirName& name, SystemFlags flags);

}  // namespace maildex::index
