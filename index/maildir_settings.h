#pragma once
// maildexsettings: the settings of one Maildir that must outlive its index.
//
// The index is a cache (deleting it loses nothing), but a few facts about a Maildir live
// nowhere else: the namespace a migration from Dovecot recorded (so clients keep seeing
// "Sent" and not "INBOX.Sent"), whether the folder directories are spelled in modified
// UTF-7 (Dovecot, Courier 4), the special-use attributes CREATE gave. Mailstore keeps them
// in the index's setting table for speed and mirrors them here, in the Maildir root, the
// way courierimapuiddb mirrors the UIDs; a new index takes them from this file.
//
//   # Maildex settings of this Maildir; ...
//   namespace-prefix<TAB>
//   namespace-delimiter<TAB>.
//   special-use:Archive<TAB>\Archive
//
// One "<key><TAB><value>" per line; in both, '\\', TAB, LF and CR are written as "\\\\",
// "\\t", "\\n", "\\r". Lines starting with '#' and empty lines are skipped.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

using MaildirSettings = std::map<std::string, std::string, std::less<>>;

inline constexpr const char* kMaildirSettingsFile = "maildexsettings";

// Keys a migration records (read by the protocol layer, see core/mailbox_names.h).
inline constexpr const char* kNamespacePrefixSetting = "namespace-prefix";
inline constexpr const char* kNamespaceDelimiterSetting = "namespace-delimiter";
// "1": folder directories are named in modified UTF-7 (".Entw&APw-rfe"), as Dovecot and
// Courier 4 store them; the protocol layer then maps names without re-encoding them.
inline constexpr const char* kFolderNamesMutf7Setting = "folder-names-mutf7";

// Parses the file; damaged lines are skipped with a warning ("line 3 ...").
MaildirSettings parseMaildirSettings(std::string_view text,
                                     std::vector<std::string>* warnings = nullptr);
std::string formatMaildirSettings(const MaildirSettings& settings);

// Reads <root>/maildexsettings; a missing file means no settings.
MaildirSettings readMaildirSettings(const std::filesystem::path& maildirRoot,
                                    std::vector<std::string>* warnings = nullptr);
// Writes the file through tmp/ + rename() (an empty value is a value: the namespace prefix
// "" of a Dovecot site); removes the file when there are no settings.
void writeMaildirSettings(const std::filesystem::path& maildirRoot,
                          const MaildirSettings& settings);

}  // namespace maildex::index
