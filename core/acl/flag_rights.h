#pragma once
// Which flags a user's rights let them change (RFC 4314 4): \Seen needs "s", \Deleted
// needs "t", every other flag and every keyword needs "w". The same rule decides
// PERMANENTFLAGS, STORE, the flags APPEND and COPY give a message, and whether a FETCH
// of a body may set \Seen.

#include "core/acl/rights.h"
#include "index/flags.h"

namespace maildex::core::acl {

struct FlagPermission {
    index::SystemFlags systemFlags = 0;  // within index::flag::ImapMask
    bool keywords = false;

    bool any() const { return systemFlags != 0 || keywords; }
    bool all() const { return systemFlags == index::flag::ImapMask && keywords; }
};

FlagPermission flagPermission(Rights rights);

}  // namespace maildex::core::acl
