// The flag rule of RFC 4314 section 4; see flag_rights.h.

#include "core/acl/flag_rights.h"

namespace maildex::core::acl {

FlagPermission flagPermission(Rights rights) {
    namespace f = index::flag;
    FlagPermission p;
    if (rights.has('s')) p.systemFlags |= f::Seen;
    if (rights.has('t')) p.systemFlags |= f::Deleted;
    if (rights.has('w')) {
        p.systemFlags |= f::Answered | f::Flagged | f::Draft;
        p.keywords = true;
    }
    return p;
}

}  // namespace maildex::core::acl
