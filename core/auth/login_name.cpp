#include "core/auth/login_name.h"

#include "core/auth/passwd_file.h"

namespace maildex::core::auth {

std::string bareDomain(std::string_view defdomain) {
    if (defdomain.starts_with("@")) defdomain.remove_prefix(1);
    return passwd::lower(defdomain);
}

std::string normalizeLogin(std::string_view login, const LoginNameRules& rules) {
    std::string name = rules.lowercase ? passwd::lower(login) : std::string(login);
    auto at = name.rfind('@');
    if (rules.stripDomain && at != std::string::npos && at > 0) name.resize(at);
    if (!rules.defaultDomain.empty() && name.find('@') == std::string::npos && !name.empty())
        name += "@" + rules.defaultDomain;
    return name;
}

}  // namespace maildex::core::auth
