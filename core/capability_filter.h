#pragma once
// IMAP_CAPABILITY and IMAP_CAPABILITY_TLS: the capabilities a Courier site chose to
// advertise. Courier advertises exactly its list; Maildex advertises that list
// intersected with what Maildex can do (so a Courier-only name such as AUTH=CRAM-SHA1
// silently cannot appear), plus the names other settings decide and Maildex must say
// whatever the list holds: IMAP4rev1, STARTTLS (IMAPDSTARTTLS), LOGINDISABLED
// (IMAP_TLS_REQUIRED) and the ACL names (IMAP_ACL), as Courier adds those itself too.

#include <optional>
#include <string>
#include <vector>

namespace maildex::core {

// A capability list as the setting writes it: names separated by blanks.
std::vector<std::string> splitCapabilities(const std::string& text);

// `ours` (blank-separated) restricted to `configured`. A name of ours matches a configured
// name when they are equal (in any case), or when ours carries a number the configured
// one leaves out (APPENDLIMIT=35882577 for APPENDLIMIT).
std::string filterCapabilities(const std::string& ours, const std::vector<std::string>& configured);

// The configured names Maildex cannot offer, for the start-up log.
std::vector<std::string> unofferedCapabilities(const std::vector<std::string>& configured,
                                               const std::string& everythingWeCanSay);

}  // namespace maildex::core
