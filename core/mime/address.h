#pragma once
// Address lists (RFC 5322 section 3.4, with the obsolete forms of section 4.4) as the ENVELOPE
// address structure of RFC 3501 section 7.4.2 needs them: name, source route (adl), mailbox
// and host, with groups as markers.
//
// Broken lists are read the way Dovecot 2.3 reads them, because clients compare addresses
// across servers (threading, sender display) and RFC 3501 leaves the recovery open:
// - a missing mailbox or host becomes "MISSING_MAILBOX" / "MISSING_DOMAIN", never NIL: RFC
//   3501 reserves a NIL host for group markers, so a bare "user" must not look like a group
//   start;
// - an unusable route becomes "INVALID_ROUTE", an unclosed <...> gets host "SYNTAX_ERROR";
// - without a display name, the last comment becomes the name ("a@b (Ann)");
// - local parts keep odd dots ("a..b", ".a") as mailers write them, domains must be proper;
// - parsing stops at the first thing that is neither "," nor the end after an address.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::core::mime {

struct Address {
    std::optional<std::string> name;
    std::optional<std::string> route;    // "@a,@b" for <@a,@b:user@host>
    std::optional<std::string> mailbox;  // the group name in a group start marker
    std::optional<std::string> host;     // nullopt only in group markers

    bool isGroupStart() const { return !host && mailbox; }
    bool isGroupEnd() const { return !host && !mailbox; }
};

// `value` is an unfolded header value (HeaderField::value()).
std::vector<Address> parseAddressList(std::string_view value);

}  // namespace maildex::core::mime
