#pragma once
// Courier authlib's authdaemond socket protocol, the text part (no sockets here; the
// connection is core/auth/authdaemon_backend.h). Learnt from authlib's documentation and
// from asking Debian's authdaemond (courier-authdaemon 0.71):
//
//   AUTH <n>\n<service>\nlogin\n<user>\n<password>\n   (n: the bytes after the first line)
//   PRE . <service> <user>\n                           (the account, no password check)
//
// The daemon answers once and closes the connection. An account is KEY=VALUE lines ended
// by a line ".": UID, GID, HOME, MAILDIR, ADDRESS (the canonical login), USERNAME (a system
// account's name), QUOTA, OPTIONS (comma-separated, e.g. "disableimap=1"), NAME, and
// PASSWD/PASSWD2 (the hash and, for AUTH, the password itself, which are dropped unread).
// "FAIL" means no module knows this user with this password. A connection closed with no
// answer (a module's temporary failure, a malformed request) is no verdict at all.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/backend.h"

namespace maildex::core::auth::authdaemon {

// The AUTH request for a LOGIN; nullopt when a field holds a line break (or a NUL), which
// the protocol cannot carry.
std::optional<std::string> authRequest(std::string_view service, std::string_view user,
                                       std::string_view password);

struct Reply {
    enum class Kind {
        Account,     // the fields of an account
        Fail,        // "FAIL"
        Incomplete,  // closed before the final "." (or nothing at all): no verdict
    };
    Kind kind = Kind::Incomplete;
    std::map<std::string, std::string> fields;  // without PASSWD and PASSWD2
};

// Everything the daemon sent before closing.
Reply parseReply(std::string_view text);

// authlib's OPTIONS ("disableimap=1,wbnoimages=1") as a map.
std::map<std::string, std::string> parseOptions(std::string_view options);

// Every non-empty value of `key` in OPTIONS, in order ("group=a,group=b" -> a, b);
// parseOptions keeps only the last.
std::vector<std::string> optionValues(std::string_view options, std::string_view key);
// Whether an option's value means "yes" as Courier reads it (starts with 1, y or Y).
bool optionSet(const std::map<std::string, std::string>& options, const std::string& key);

// An account reply as the back end's answer for `login`: Accepted with the identity, or
// Refused with the reason (IMAP disabled for the account, no home and no Maildir, a UID
// that is not a number).
AuthResult toResult(const Reply& reply, std::string_view login, const AccountDefaults& defaults);

}  // namespace maildex::core::auth::authdaemon
