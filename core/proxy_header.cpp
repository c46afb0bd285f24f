#include "core/proxy_header.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>

namespace maildex::core {

namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr char kV2SignatureBytes[] = "\r\n\r\n\0\r\nQUIT\n";
constexpr std::string_view kV2Signature(kV2SignatureBytes, 12);

ProxyParse invalid(std::string why) {
    ProxyParse p;
    p.status = ProxyParse::Status::Invalid;
    p.error = std::move(why);
    return p;
}

// Whether `bytes` could still become `whole` (a prefix of it, or all of it and more).
bool startsLike(std::string_view bytes, std::string_view whole) {
    std::size_t n = std::min(bytes.size(), whole.size());
    return bytes.substr(0, n) == whole.substr(0, n);
}

bool parseAddress(std::string_view text, int family, std::string& out) {
    if (text.empty() || text.size() > 45 || text.find('\0') != text.npos) return false;
    std::string s(text);
    std::array<unsigned char, 16> buf{};
    if (::inet_pton(family, s.c_str(), buf.data()) != 1) return false;
    out = std::move(s);
    return true;
}

bool parsePort(std::string_view text, std::uint16_t& out) {
    // Decimal, 0-65535, no sign, no leading zero (the spec's form).
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
    unsigned n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size() || n > 65535) return false;
    out = static_cast<std::uint16_t>(n);
    return true;
}

ProxyParse parseV1(std::string_view bytes) {
    auto end = bytes.find("\r\n");
    if (end == std::string_view::npos) {
        // A lone CR or LF can only be garbage; otherwise wait for the rest, within bounds.
        auto stray = bytes.find_first_of("\r\n");
        if (stray != std::string_view::npos && stray + 1 < bytes.size())
            return invalid("PROXY v1 header with a bare CR or LF");
        if (bytes.find('\n') != std::string_view::npos)
            return invalid("PROXY v1 header with a bare LF");
        if (bytes.size() >= kProxyV1Max) return invalid("PROXY v1 header longer than 107 bytes");
        return {};
    }
    if (end + 2 > kProxyV1Max) return invalid("PROXY v1 header longer than 107 bytes");
    std::string_view line = bytes.substr(kV1Prefix.size(), end - kV1Prefix.size());
    ProxyParse p;
    p.status = ProxyParse::Status::Done;
    p.consumed = end + 2;
    p.header.version = 1;
    // "UNKNOWN" and whatever follows it: the proxy could not tell (or speaks for itself).
    if (line == "UNKNOWN" || line.substr(0, 8) == "UNKNOWN ") {
        p.header.local = true;
        return p;
    }
    std::string_view words[5];
    std::size_t n = 0;
    std::size_t at = 0;
    while (true) {
        auto space = line.find(' ', at);
        if (n == 5) return invalid("PROXY v1 header with too many fields");
        words[n++] = line.substr(at, space == std::string_view::npos ? line.npos : space - at);
        if (space == std::string_view::npos) break;
        at = space + 1;
    }
    if (n != 5) return invalid("PROXY v1 header with too few fields");
    int family = words[0] == "TCP4" ? AF_INET : words[0] == "TCP6" ? AF_INET6 : 0;
    if (!family)
        return invalid("PROXY v1 header with an unknown protocol (not TCP4, TCP6, UNKNOWN)");
    auto& h = p.header;
    if (!parseAddress(words[1], family, h.sourceAddress) ||
        !parseAddress(words[2], family, h.destinationAddress))
        return invalid(std::string("PROXY v1 header with an address that is not ") +
                       (family == AF_INET ? "IPv4" : "IPv6"));
    if (!parsePort(words[3], h.sourcePort) || !parsePort(words[4], h.destinationPort))
        return invalid("PROXY v1 header with a port that is not 0-65535");
    return p;
}

std::string addressText(int family, const unsigned char* raw) {
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, raw, text, sizeof text);
    return text;
}

std::uint16_t be16(const unsigned char* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

ProxyParse parseV2(std::string_view bytes) {
    if (bytes.size() < 16) return {};
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    if ((b[12] >> 4) != 2) return invalid("PROXY v2 header of another version");
    int command = b[12] & 0x0f;
    if (command > 1) return invalid("PROXY v2 header with an unknown command");
    std::size_t length = be16(b + 14);
    if (length > kProxyV2MaxPayload)
        return invalid("PROXY v2 header longer than " + std::to_string(kProxyV2MaxPayload) +
                       " bytes after its preamble");
    if (bytes.size() < 16 + length) return {};
    ProxyParse p;
    p.status = ProxyParse::Status::Done;
    p.consumed = 16 + length;
    auto& h = p.header;
    h.version = 2;
    const unsigned char* payload = b + 16;
    int family = b[13] >> 4, protocol = b[13] & 0x0f;
    std::size_t addresses = 0;
    if (command == 0 || family == 0) {
        // LOCAL (whatever the family says), or PROXY with AF_UNSPEC: no addresses to take.
        h.local = true;
        if (command == 0) return p;
        addresses = length;  // AF_UNSPEC: the whole block is skipped, TLVs included
    } else if (family == 1 || family == 2) {
        if (protocol != 1) return invalid("PROXY v2 header for a protocol other than TCP");
        std::size_t addr = family == 1 ? 4 : 16;
        addresses = 2 * addr + 4;
        if (length < addresses) return invalid("PROXY v2 header shorter than its addresses");
        int af = family == 1 ? AF_INET : AF_INET6;
        h.sourceAddress = addressText(af, payload);
        h.destinationAddress = addressText(af, payload + addr);
        h.sourcePort = be16(payload + 2 * addr);
        h.destinationPort = be16(payload + 2 * addr + 2);
    } else {
        return invalid("PROXY v2 header for an address family other than IPv4 or IPv6");
    }
    // The TLVs: type, 16-bit length, value; each must fit.
    std::size_t at = addresses;
    while (at < length) {
        if (length - at < 3) return invalid("PROXY v2 header with a truncated TLV");
        unsigned type = payload[at];
        std::size_t size = be16(payload + at + 1);
        if (length - at - 3 < size) return invalid("PROXY v2 header with a truncated TLV");
        constexpr unsigned kTypeSsl = 0x20, kClientSsl = 0x01;
        if (type == kTypeSsl && size >= 5) h.clientTls = (payload[at + 3] & kClientSsl) != 0;
        at += 3 + size;
    }
    return p;
}

}  // namespace

ProxyParse parseProxyHeader(std::string_view bytes) {
    if (bytes.empty()) return {};
    if (startsLike(bytes, kV2Signature)) {
        if (bytes.size() < kV2Signature.size()) {
            // Also a prefix of nothing else: v1 starts with 'P'.
            return {};
        }
        return parseV2(bytes);
    }
    if (startsLike(bytes, kV1Prefix)) {
        if (bytes.size() < kV1Prefix.size()) return {};
        return parseV1(bytes);
    }
    return invalid("no PROXY protocol header (the connection's first bytes are not one)");
}

}  // namespace maildex::core
