#pragma once
// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2): what a proxy
// in front says about the client before the client's first byte. Pure parsing; the network
// layer (net/connection.cpp) reads the header off the socket, takes it only from
// MAILDEX_TRUSTED_NETWORKS, and bounds the wait for it.
//
//   v1: "PROXY TCP4 192.0.2.7 198.51.100.1 50312 143\r\n", TCP6 likewise, or
//       "PROXY UNKNOWN[ anything]\r\n"; at most 107 bytes with the CRLF.
//   v2: the 12-byte signature \r\n\r\n\0\r\nQUIT\n, version 2 and the command (LOCAL or
//       PROXY), the family (AF_UNSPEC, AF_INET, AF_INET6) and protocol (STREAM), the
//       length of what follows (the addresses, then TLVs), at most kProxyV2MaxPayload.
//       TLVs are skipped except PP2_TYPE_SSL, whose PP2_CLIENT_SSL bit says that the client
//       reached the proxy over TLS (HAProxy's send-proxy-v2-ssl).
//
// Parsing needs no more than the header: NeedMore says that every byte given belongs to
// the header, so the reader may take them all off the socket and none of the client's.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace maildex::core {

// The bytes after v2's 16-byte preamble that are accepted (addresses and TLVs).
constexpr std::size_t kProxyV2MaxPayload = 1024;
// The longest header there can be: a reader never needs more bytes than this at once.
constexpr std::size_t kProxyHeaderMax = 16 + kProxyV2MaxPayload;
// v1's bound, the CRLF included.
constexpr std::size_t kProxyV1Max = 107;

struct ProxyHeader {
    int version = 0;
    // LOCAL (v2), UNKNOWN (v1), or v2's PROXY with AF_UNSPEC: the proxy speaks for itself
    // (a health check); the connection's own addresses stand.
    bool local = false;
    std::string sourceAddress;  // the client, as text ("192.0.2.7", "2001:db8::7")
    std::uint16_t sourcePort = 0;
    std::string destinationAddress;  // where the client connected to, on the proxy
    std::uint16_t destinationPort = 0;
    bool clientTls = false;  // v2 PP2_TYPE_SSL with PP2_CLIENT_SSL
};

struct ProxyParse {
    enum class Status { NeedMore, Invalid, Done };
    Status status = Status::NeedMore;
    std::size_t consumed = 0;  // Done: the header's length; the client's bytes follow
    std::string error;         // Invalid: why, for the log (no client bytes in it)
    ProxyHeader header;
};

ProxyParse parseProxyHeader(std::string_view bytes);

}  // namespace maildex::core
