// The ID fields an IMAP proxy in front sends before it logs a client in (Dovecot's
// login proxy, and others that copied it): x-originating-ip and x-originating-port (the
// client), x-connected-ip and x-connected-port (where the client reached the proxy),
// x-session-id (the proxy's name for the session, to join the two logs). Taken only from a
// peer in MAILDEX_TRUSTED_NETWORKS that speaks IMAP itself, only before login, and only
// once: anyone else could name any address and so escape MAXPERIP, login pacing and
// IMAPACCESSFILE, or pin them on somebody else.

#include <charconv>

#include "base/log.h"
#include "core/imap/ascii.h"
#include "core/session.h"
#include "core/trusted_networks.h"

namespace maildex::core {

namespace {

bool isProxyField(const std::string& key) {
    auto k = ascii::lower(key);
    return k == "x-originating-ip" || k == "x-originating-port" || k == "x-connected-ip" ||
           k == "x-connected-port" || k == "x-session-id";
}

std::optional<std::uint16_t> port(const std::optional<std::string>& value) {
    if (!value || value->empty() || value->size() > 5) return std::nullopt;
    unsigned n = 0;
    auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec != std::errc() || p != value->data() + value->size() || n > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(n);
}

}  // namespace

void Session::applyProxyId(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& fields) {
    std::optional<std::string> ip, connectedIp, sessionId;
    std::optional<std::uint16_t> clientPort, connectedPort;
    bool any = false;
    for (const auto& [key, value] : fields) {
        if (!isProxyField(key)) continue;
        any = true;
        auto k = ascii::lower(key);
        if (k == "x-originating-ip")
            ip = value;
        else if (k == "x-originating-port")
            clientPort = port(value);
        else if (k == "x-connected-ip")
            connectedIp = value;
        else if (k == "x-connected-port")
            connectedPort = port(value);
        else
            sessionId = value;
    }
    if (!any) return;
    const char* ignored = nullptr;
    std::string address = ip ? canonicalAddress(*ip) : std::string();
    if (!transport_.peerTrusted)
        ignored = "the peer is not a trusted proxy (MAILDEX_TRUSTED_NETWORKS)";
    else if (authenticated())
        ignored = "sent after login";
    else if (!transport_.proxyPeer.empty())
        ignored = "the client's address was named before";
    else if (address.empty())
        ignored = "no x-originating-ip address among them";
    if (ignored) {
        log::debug(logPrefix() + ": ID proxy fields ignored: " + ignored);
        return;
    }
    transport_.replaceClient(address, clientPort.value_or(0));
    clientChanged_ = true;
    std::string more;
    if (connectedIp) more += ", connected to " + *connectedIp;
    if (connectedPort) more += " port " + std::to_string(*connectedPort);
    if (sessionId) more += ", proxy session " + *sessionId;
    log::info(logPrefix() + ": client address from the ID of proxy " + transport_.proxyPeer + more);
}

std::optional<std::pair<std::string, std::uint16_t>> Session::takeClientChange() {
    if (!std::exchange(clientChanged_, false)) return std::nullopt;
    return std::pair{transport_.clientAddress, transport_.clientPort};
}

}  // namespace maildex::core
