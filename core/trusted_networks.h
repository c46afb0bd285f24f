#pragma once
// MAILDEX_TRUSTED_NETWORKS: the peers whose word on the client's address is taken (a PROXY
// protocol header, Dovecot's ID fields x-originating-ip and friends) and that may send a
// client's plain-text login (core/server_config.h says when). Addresses and CIDR prefixes,
// IPv4 and IPv6, separated by commas or blanks:
//
//   MAILDEX_TRUSTED_NETWORKS="127.0.0.1, 10.1.0.0/16 2001:db8:5::/48 ::1"
//
// Pure parsing and matching; an IPv4 peer of a dual-stack socket (::ffff:a.b.c.d) matches
// the IPv4 entries, as it does in IMAPACCESSFILE.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::core {

class TrustedNetworks {
  public:
    // Throws ConfigError naming MAILDEX_TRUSTED_NETWORKS and the entry that is not an
    // address or prefix.
    static TrustedNetworks parse(std::string_view value);

    bool contains(std::string_view address) const;
    bool empty() const { return nets_.empty(); }
    std::size_t size() const { return nets_.size(); }

  private:
    struct Net {
        bool v6;
        std::array<std::uint8_t, 16> bytes{};
        int prefixBits;
    };
    std::vector<Net> nets_;
};

// An address as text to its bytes (IPv4 in the first 4); false when it is not one. An
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) comes back as the IPv4 address.
bool parseIpAddress(std::string_view text, std::array<std::uint8_t, 16>& bytes, bool& v6);
// The one spelling of an address (lower case, shortest IPv6 form, a mapped IPv4 address as
// IPv4), so that one client is counted under one name; empty when it is not an address.
std::string canonicalAddress(std::string_view text);
// 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z).
bool isLoopbackAddress(std::string_view text);

}  // namespace maildex::core
