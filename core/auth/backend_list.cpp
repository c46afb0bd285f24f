#include "core/auth/backend_list.h"

#include <algorithm>

#include "core/auth/user_database.h"
#include "core/config_file.h"

namespace maildex::core::auth {

const std::vector<std::string_view>& backendNames() {
    static const std::vector<std::string_view> names = {"passwd-file", "authdaemon", "pam",
                                                        "checkpassword"};
    return names;
}

std::vector<std::string> parseBackendList(std::string_view value) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < value.size()) {
        auto start = value.find_first_not_of(", \t", pos);
        if (start == std::string_view::npos) break;
        auto end = value.find_first_of(", \t", start);
        auto name = std::string(value.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start));
        pos = end == std::string_view::npos ? value.size() : end;
        const auto& known = backendNames();
        if (std::find(known.begin(), known.end(), name) == known.end())
            throw ConfigError("MAILDEX_AUTH: unknown back end '" + name +
                              "' (expected passwd-file, authdaemon, pam or checkpassword)");
        if (std::find(out.begin(), out.end(), name) != out.end())
            throw ConfigError("MAILDEX_AUTH: back end '" + name + "' is listed twice");
        out.push_back(std::move(name));
    }
    if (out.empty())
        throw ConfigError(
            "MAILDEX_AUTH: empty (name passwd-file, authdaemon, pam or checkpassword)");
    return out;
}

std::vector<std::string> effectiveOrder(const BackendSettings& s) {
    if (!s.order.empty()) return s.order;
    if (!s.userDb.empty()) return {"passwd-file"};
    return {};
}

std::vector<std::unique_ptr<AuthBackend>> makeBackends(const BackendSettings& s) {
    std::vector<std::unique_ptr<AuthBackend>> out;
    auto order = effectiveOrder(s);
    if (order.empty())
        throw ConfigError(
            "MAILDEX_AUTH, MAILDEX_USERDB: no authentication configured (set MAILDEX_USERDB for "
            "a passwd-file, or MAILDEX_AUTH=authdaemon, pam or checkpassword)");
    for (const auto& name : order) {
        if (name == "passwd-file") {
            if (s.userDb.empty())
                throw ConfigError("MAILDEX_AUTH lists passwd-file but MAILDEX_USERDB is not set");
            UserDatabaseOptions uo;
            uo.accounts = s.accounts;
            try {
                out.push_back(std::make_unique<UserDatabase>(s.userDb, uo));
            } catch (const std::exception& e) {
                throw ConfigError(std::string("MAILDEX_USERDB: ") + e.what());
            }
        } else if (name == "authdaemon") {
            auto o = s.authdaemon;
            o.accounts = s.accounts;
            out.push_back(std::make_unique<AuthdaemonBackend>(std::move(o)));
        } else if (name == "pam") {
            auto o = s.pam;
            o.accounts = s.accounts;
            out.push_back(std::make_unique<PamBackend>(std::move(o)));
        } else if (name == "checkpassword") {
            if (s.checkpassword.command.empty())
                throw ConfigError(
                    "MAILDEX_AUTH lists checkpassword but MAILDEX_CHECKPASSWORD is not set");
            if (s.checkpassword.next.empty())
                throw ConfigError("MAILDEX_CHECKPASSWORD: this program cannot run checkpassword");
            auto o = s.checkpassword;
            o.accounts = s.accounts;
            out.push_back(std::make_unique<CheckpasswordBackend>(std::move(o)));
        }
    }
    return out;
}

}  // namespace maildex::core::auth
