#pragma once
// The login name as the back ends see it. Sites moving from Courier or DMail have users
// who type their name in any case, with or without the domain; these rules turn what the
// client sent into the one spelling the user database knows, the same way for every back
// end (and for login pacing, so every spelling of one account is paced as one).

#include <string>
#include <string_view>

namespace maildex::core::auth {

struct LoginNameRules {
    // MAILDEX_LOWERCASE_USER (DMail's lowercase_username): ASCII letters only, so a UTF-8
    // name keeps its other characters as typed.
    bool lowercase = false;
    // MAILDEX_STRIP_DOMAIN (DMail's imapd_strip_domain): "alice@example.com" logs in as
    // "alice", for a user database of bare names.
    bool stripDomain = false;
    // DEFDOMAIN without its leading '@' ("example.com"): appended to a name with no '@'.
    // Empty: none. Not combined with stripDomain (the configuration refuses both).
    std::string defaultDomain;
};

// The name the back ends are asked with.
std::string normalizeLogin(std::string_view login, const LoginNameRules& rules);

// DEFDOMAIN as Courier writes it ("@example.com") or bare ("example.com"), as the bare
// domain in lower case.
std::string bareDomain(std::string_view defdomain);

}  // namespace maildex::core::auth
