// The advertised capability list as IMAP_CAPABILITY restricts it (core/capability_filter.h).

#include "core/capability_filter.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/imap/ascii.h"

namespace maildex::core {

namespace {

// Names decided by their own settings, not by the list.
bool alwaysSaid(const std::string& name) {
    std::string u = ascii::upper(name);
    return u == "IMAP4REV1" || u == "STARTTLS" || u == "LOGINDISABLED" || u == "ACL" ||
           u.rfind("ACL2=", 0) == 0 || u.rfind("RIGHTS=", 0) == 0;
}

bool matches(const std::string& ours, const std::string& configured) {
    std::string o = ascii::upper(ours), c = ascii::upper(configured);
    if (o == c) return true;
    if (o.size() > c.size() + 1 && o.compare(0, c.size(), c) == 0 && o[c.size()] == '=' &&
        c.find('=') == std::string::npos)
        return std::all_of(o.begin() + static_cast<std::ptrdiff_t>(c.size()) + 1, o.end(),
                           [](unsigned char ch) { return std::isdigit(ch); });
    return false;
}

}  // namespace

std::vector<std::string> splitCapabilities(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

std::string filterCapabilities(const std::string& ours,
                               const std::vector<std::string>& configured) {
    std::string out;
    for (const auto& name : splitCapabilities(ours)) {
        bool keep =
            alwaysSaid(name) || std::any_of(configured.begin(), configured.end(),
                                            [&](const std::string& c) { return matches(name, c); });
        if (keep) out += (out.empty() ? "" : " ") + name;
    }
    return out;
}

std::vector<std::string> unofferedCapabilities(const std::vector<std::string>& configured,
                                               const std::string& everythingWeCanSay) {
    auto ours = splitCapabilities(everythingWeCanSay);
    std::vector<std::string> out;
    for (const auto& c : configured)
        if (!alwaysSaid(c) && std::none_of(ours.begin(), ours.end(),
                                           [&](const std::string& o) { return matches(o, c); }))
            out.push_back(c);
    return out;
}

}  // namespace maildex::core
