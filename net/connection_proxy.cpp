// A Connection's PROXY protocol header (core/proxy_header.h) and the client a trusted
// proxy names. The header is taken off the socket to its last byte and no further: the
// bytes are peeked, parsed, and only the header's are read, so what follows (a TLS
// ClientHello on SSLPORT, the client's first command) stays in the socket for OpenSSL or
// the IMAP reader, as if the header had never been there.

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "core/proxy_header.h"
#include "core/trusted_networks.h"
#include "net/connection.h"
#include "net/event_loop.h"
#include "net/metrics.h"

namespace maildex::net {

void Connection::readProxyHeader() {
    auto& buf = loop_.readBuffer();
    // The parser never waits past kProxyHeaderMax, so there is always room.
    std::size_t room = std::min(buf.size(), core::kProxyHeaderMax - proxyHeader_.size());
    ssize_t n = ::recv(fd_, buf.data(), room, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        closeBecause(n == 0 ? "closed before its PROXY header ended"
                            : std::string("read failed: ") + std::strerror(errno));
        close();
        return;
    }
    std::string seen = proxyHeader_;
    seen.append(buf.data(), static_cast<std::size_t>(n));
    auto parsed = core::parseProxyHeader(seen);
    if (parsed.status == core::ProxyParse::Status::Invalid) {
        ++Metrics::instance().proxyHeadersRefused;
        closeBecause("PROXY header refused: " + parsed.error);
        close();
        return;
    }
    // NeedMore: every byte seen is the header's (the parser's promise), so all are taken.
    std::size_t take = parsed.status == core::ProxyParse::Status::Done
                           ? parsed.consumed - proxyHeader_.size()
                           : static_cast<std::size_t>(n);
    // Peeked already: the read finds them all.
    ssize_t got = ::recv(fd_, buf.data(), take, 0);
    if (got != static_cast<ssize_t>(take)) {
        closeBecause("read failed while taking the PROXY header");
        close();
        return;
    }
    bytesIn_ += take;
    lastInput_ = Clock::now();
    if (parsed.status == core::ProxyParse::Status::NeedMore) {
        proxyHeader_.append(buf.data(), take);
        return;
    }
    std::string().swap(proxyHeader_);
    acceptProxyHeader(parsed.header);
}

void Connection::acceptProxyHeader(const core::ProxyHeader& header) {
    const auto& cfg = server_.config;
    std::string proxy = peer();
    // LOCAL (a health check): the proxy speaks for itself and is counted as itself.
    std::string ip = header.local ? clientIp_ : core::canonicalAddress(header.sourceAddress);
    std::uint16_t port = header.local ? clientPort_ : header.sourcePort;
    if (const char* refusal = moveClient(ip, port)) {
        ++Metrics::instance().proxyHeadersRefused;
        std::string_view reason(refusal + 6);
        closeBecause(std::string(reason.substr(0, reason.find('\r'))) + " (client " + ip +
                     " named by a PROXY header)");
        // Before TLS, a plain-text answer reaches a plain client only.
        if (!implicitTls_) [[maybe_unused]]
            auto sent = ::send(fd_, refusal, std::strlen(refusal), MSG_NOSIGNAL);
        close();
        return;
    }
    ++Metrics::instance().proxyHeadersAccepted;
    // No command has run: the session's transport is still the connection's to set.
    auto& transport = engine_->session().transportBeforeStart();
    if (!header.local) transport.replaceClient(ip, port);
    // Under IMAP_TLS_REQUIRED=1 the client's own connection decides, not the proxy's: a
    // proxy that relays the client's bytes (HAProxy in TCP mode) would pass on a password
    // the client sent in the clear. So loopback means the client's address, and a client
    // that reached the proxy in the clear is not let in with a password in the clear
    // unless the header says it used TLS (v2's PP2_CLIENT_SSL, HAProxy's
    // send-proxy-v2-ssl), or the proxy is one that speaks IMAP itself and enforces TLS
    // towards clients (nginx's mail proxy: MAILDEX_PROXY_PLAINTEXT=YES).
    transport.plaintextAuthAllowed = !cfg.tlsRequired ||
                                     (core::isLoopbackAddress(ip) && cfg.plaintextLoopback) ||
                                     header.clientTls || cfg.proxyPlaintext;
    log::info("session " + std::to_string(id_) + " " + peer() + ": through proxy " + proxy +
              " (PROXY v" + std::to_string(header.version) +
              (header.local       ? " LOCAL"
               : header.clientTls ? ", client over TLS"
                                  : "") +
              ")");
    begin();
}

const char* Connection::moveClient(const std::string& ip, std::uint16_t port) {
    if (server_.admitClient) {
        if (const char* refusal = server_.admitClient(ip, slot_)) return refusal;
    }
    slot_ = ip;
    clientIp_ = ip;
    clientPort_ = port;
    return nullptr;
}

}  // namespace maildex::net
