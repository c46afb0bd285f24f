#pragma once
// What LIST, LSUB and STATUS-in-LIST need about mailboxes, apart from the protocol
// syntax: wildcard matching (RFC 3501 6.3.8: "*" matches anything, "%" anything but the
// hierarchy delimiter; INBOX in any case), and special-use attributes (RFC 6154) found by
// the names sites use or set by CREATE ... (USE (...)).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::core {

// Whether `name` matches `pattern` (both IMAP names).
bool matchesListPattern(std::string_view pattern, std::string_view name, char delimiter);

// The special-use attribute ("\Sent", "\Trash", ...) a folder has by its name: the names
// Courier, Dovecot, Outlook, Thunderbird and Apple Mail use for them, case-insensitively,
// at the top level. `trashName` is IMAP_TRASHFOLDERNAME.
std::optional<std::string> specialUseByName(std::string_view folder, std::string_view trashName);

// Whether a client may set this special-use attribute (CREATE ... USE).
bool isSpecialUse(std::string_view attribute);

}  // namespace maildex::core
