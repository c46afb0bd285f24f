#pragma once
// Flags on the wire: system flags as \Answered \Flagged \Deleted \Seen \Draft, \Recent
// for this session's recent messages, then the message's keywords; and the reverse, a
// client's flag list into system flags and keyword names.

#include <string>
#include <vector>

#include "core/acl/rights.h"
#include "core/imap/arguments.h"
#include "core/imap/response_writer.h"
#include "index/folder.h"

namespace maildex::core {

// Writes "(...)" with the message's flags.
void writeFlagList(ResponseWriter& w, const index::MessageMeta& m, bool recent,
                   const index::Folder& folder);
// Writes "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)]" for a selected folder (RFC
// 3501 7.2.6, 7.1): system flags, then the folder's keywords. SELECT sends them, and a
// session sends them again when the folder gains a keyword, before anything names it.
// PERMANENTFLAGS lists only the flags `rights` let the user change (none when the mailbox
// is read-only). Returns how many keywords they named.
std::size_t writeFlagsResponses(ResponseWriter& w, const index::Folder& folder, bool readOnly,
                                acl::Rights rights);

struct ParsedFlags {
    index::SystemFlags flags = 0;
    std::vector<std::string> keywords;
};
// A flag list "(\Seen $Forwarded)" (or, where allowed, one bare flag). \Recent and
// unknown system flags are refused with BAD, as are keywords that are not atoms.
ParsedFlags parseFlagList(ArgReader& args, bool allowBare);

}  // namespace maildex::core
