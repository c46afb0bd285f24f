#include "core/auth/nginx_auth.h"

#include "core/imap/ascii.h"
#include "core/trusted_networks.h"

namespace maildex::core::auth {

namespace {
using ascii::hexValue;
}  // namespace

std::optional<std::string> decodeNginxEscaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hexValue(text[i + 1]), lo = hexValue(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') return std::nullopt;
        out += c;
    }
    return out;
}

bool isWildcardAddress(const std::string& address) {
    return address.empty() || address == "0" || address == "0.0.0.0" || address == "::" ||
           address == "[::]";
}

std::string authServerAddress(const std::string& listenAddress, const std::string& arrivedOn) {
    if (!isWildcardAddress(listenAddress)) {
        // ADDRESS may be a name Poco resolved; nginx is given it as written then.
        std::string canonical = canonicalAddress(listenAddress);
        return canonical.empty() ? listenAddress : canonical;
    }
    return canonicalAddress(arrivedOn);
}

}  // namespace maildex::core::auth
