#pragma once
// subscriptions: Dovecot's list of subscribed mailboxes, one file in the Maildir root
// (../shared/spec/courier-formats.md section 10; Dovecot 2.3
// src/lib-storage/list/subscription-file.c).
//
//   V<TAB>2            version 2 header, then an empty line
//   <empty>
//   Sent               one mailbox per line, without namespace prefix, in modified UTF-7,
//   Archive<TAB>2024   hierarchy levels separated by TAB whatever the real separator is
//
// Inside a level, Dovecot's tab-escaping applies (\001 followed by 0 1 t r n stands for
// NUL, \001, TAB, CR, LF). A file without the header (version 1) spells names with the
// namespace's real separator. Turning names into Maildex's (prefix "INBOX.", UTF-8) is
// the importer's business.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

// A mailbox name as its hierarchy levels: {"Archive", "2024"}.
using DovecotMailboxName = std::vector<std::string>;

// The names in file order, without duplicates. `separator` splits names of a version-1
// file (no header); Maildir++ uses '.'. Empty lines are skipped; a repeated name and an
// unknown header are reported as warnings.
std::vector<DovecotMailboxName> parseDovecotSubscriptions(
    std::string_view text, char separator = '.', std::vector<std::string>* warnings = nullptr);

// Reads <maildirRoot>/subscriptions; a missing file means no subscriptions.
std::vector<DovecotMailboxName> readDovecotSubscriptions(
    const std::filesystem::path& maildirRoot, char separator = '.',
    std::vector<std::string>* warnings = nullptr);

}  // namespace maildex::index
