#pragma once
// Bridges FETCH's parsed section (core/commands/fetch_items.h) to the MIME library, so the
// FETCH handler can ask core/mime for BODY[section] without knowing its types.

#include "core/commands/fetch_items.h"
#include "core/mime/section.h"

namespace maildex::core::mime {

SectionSpec toSectionSpec(const commands::Section& section);

}  // namespace maildex::core::mime
