#include "core/auth/authdaemon_protocol.h"

#include <charconv>

namespace maildex::core::auth::authdaemon {

namespace {

bool carriesBreak(std::string_view s) {
    return s.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos;
}

}  // namespace

std::optional<std::string> authRequest(std::string_view service, std::string_view user,
                                       std::string_view password) {
    if (carriesBreak(service) || carriesBreak(user) || carriesBreak(password) ||
        service.find(' ') != std::string_view::npos)
        return std::nullopt;
    std::string body;
    body.reserve(service.size() + user.size() + password.size() + 16);
    body.append(service).append("\nlogin\n").append(user).append("\n");
    body.append(password).append("\n");
    std::string request = "AUTH " + std::to_string(body.size()) + "\n";
    request += body;
    return request;
}

Reply parseReply(std::string_view text) {
    Reply reply;
    if (text == "FAIL\n" || text == "FAIL") {
        reply.kind = Reply::Kind::Fail;
        return reply;
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) break;  // a line cut off: incomplete
        auto line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line == ".") {
            reply.kind = Reply::Kind::Account;
            return reply;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;  // not a field: skipped
        auto key = line.substr(0, eq);
        if (key == "PASSWD" || key == "PASSWD2") continue;  // never kept
        reply.fields.emplace(std::string(key), std::string(line.substr(eq + 1)));
    }
    reply.fields.clear();
    return reply;
}

std::map<std::string, std::string> parseOptions(std::string_view options) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos <= options.size()) {
        auto comma = options.find(',', pos);
        auto item =
            options.substr(pos, comma == std::string_view::npos ? options.npos : comma - pos);
        if (!item.empty()) {
            auto eq = item.find('=');
            if (eq == std::string_view::npos)
                out[std::string(item)] = "1";
            else
                out[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
        }
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return out;
}

std::vector<std::string> optionValues(std::string_view options, std::string_view key) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= options.size()) {
        auto comma = std::min(options.find(',', pos), options.size());
        auto item = options.substr(pos, comma - pos);
        if (item.size() > key.size() + 1 && item.starts_with(key) && item[key.size()] == '=')
            out.emplace_back(item.substr(key.size() + 1));
        pos = comma + 1;
    }
    return out;
}

bool optionSet(const std::map<std::string, std::string>& options, const std::string& key) {
    auto it = options.find(key);
    if (it == options.end() || it->second.empty()) return false;
    char c = it->second.front();
    return c == '1' || c == 'y' || c == 'Y';
}

AuthResult toResult(const Reply& reply, std::string_view login, const AccountDefaults& defaults) {
    auto field = [&](const char* key) -> std::string {
        auto it = reply.fields.find(key);
        return it == reply.fields.end() ? std::string() : it->second;
    };
    Identity id;
    id.options = parseOptions(field("OPTIONS"));
    id.groups = optionValues(field("OPTIONS"), "group");
    // Courier's imapd refuses such an account after authdaemond accepted the password.
    if (optionSet(id.options, "disableimap"))
        return AuthResult::refused("IMAP is disabled for this account (OPTIONS disableimap)");
    // ADDRESS is the canonical login Courier logs and exports as AUTHENTICATED.
    id.user = field("ADDRESS");
    if (id.user.empty()) id.user = std::string(login);
    id.home = field("HOME");
    auto maildir = defaults.maildirFor(id.home, field("MAILDIR"));
    if (!maildir) return AuthResult::refused("authdaemond named no absolute HOME or MAILDIR");
    id.maildir = *maildir;
    if (auto v = field("UID"); !v.empty()) {
        id.uid = parseAccountId<uid_t>(v);
        if (!id.uid) return AuthResult::refused("authdaemond's UID is not a number");
    }
    if (auto v = field("GID"); !v.empty()) {
        id.gid = parseAccountId<gid_t>(v);
        if (!id.gid) return AuthResult::refused("authdaemond's GID is not a number");
    }
    // QUOTA in authdaemond's answer; MAILDIRQUOTA as Courier's imapd exports it.
    id.quota = field("QUOTA");
    if (id.quota.empty()) id.quota = field("MAILDIRQUOTA");
    AuthResult accepted;
    accepted.verdict = AuthResult::Verdict::Accepted;
    accepted.identity = std::move(id);
    return accepted;
}

}  // namespace maildex::core::auth::authdaemon
