#pragma once
// What the nginx mail proxy's auth_http request (ngx_mail_auth_http_module) needs beyond
// HTTP itself, as pure functions for net/admin_server.cpp.

#include <optional>
#include <string>
#include <string_view>

namespace maildex::core::auth {

// Auth-User and Auth-Pass come escaped: nginx writes control characters, space, '%', DEL
// and every byte from 0x80 as %XX (NGX_ESCAPE_MAIL_AUTH) and leaves the rest, '+'
// included, as it is. So this undoes %XX only ('+' stays '+', unlike a form). nullopt
// for a '%' not followed by two hex digits (nginx never sends one) or a NUL.
std::optional<std::string> decodeNginxEscaped(std::string_view text);

// The address /auth names in Auth-Server: where nginx is to connect. The listener's own
// address, unless it listens on every address ("0", "0.0.0.0", "::", empty); then the
// address nginx's request reached the admin endpoint on, which nginx can reach. Never a
// loopback address for a listener that is not on loopback.
std::string authServerAddress(const std::string& listenAddress, const std::string& arrivedOn);
bool isWildcardAddress(const std::string& address);

}  // namespace maildex::core::auth
