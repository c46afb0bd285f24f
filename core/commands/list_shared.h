#pragma once
// What LIST shows of the shared namespace: every folder of the accounts in the shared
// index (core/shared_index.h) on which the user holds "l", with the levels above them as
// \Noselect, as Courier lists "#shared.*" (tests/fixtures/courier-acl/README.md rule 36).
// The accounts' INBOXes are never shared.

#include <string>
#include <vector>

#include "core/acl/rights.h"
#include "core/command.h"

namespace maildex::core::commands {

struct SharedListing {
    std::string imapName;      // "#shared.alice.Work"
    bool selectable = false;   // false: a level shown because something below it is
    bool hasChildren = false;  // a folder below it is shown
    acl::Rights rights;        // the user's, for a selectable one
};

// Sorted by name. Reads each account's folder list and lists; opens no index.
std::vector<SharedListing> listShared(CommandContext& ctx);

}  // namespace maildex::core::commands
