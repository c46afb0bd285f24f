#include "core/trusted_networks.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "core/config_file.h"

namespace maildex::core {

bool parseIpAddress(std::string_view text, std::array<std::uint8_t, 16>& bytes, bool& v6) {
    if (text.empty() || text.size() > 64 || text.find('\0') != text.npos) return false;
    std::string a(text);
    bytes = {};
    if (::inet_pton(AF_INET, a.c_str(), bytes.data()) == 1) {
        v6 = false;
        return true;
    }
    if (::inet_pton(AF_INET6, a.c_str(), bytes.data()) != 1) return false;
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, bytes.begin())) {
        std::array<std::uint8_t, 16> v4{};
        std::copy(bytes.begin() + 12, bytes.end(), v4.begin());
        bytes = v4;
        v6 = false;
        return true;
    }
    v6 = true;
    return true;
}

std::string canonicalAddress(std::string_view text) {
    std::array<std::uint8_t, 16> bytes{};
    bool v6 = false;
    if (!parseIpAddress(text, bytes, v6)) return {};
    char out[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), out, sizeof out);
    return out;
}

bool isLoopbackAddress(std::string_view text) {
    std::array<std::uint8_t, 16> bytes{};
    bool v6 = false;
    if (!parseIpAddress(text, bytes, v6)) return false;
    if (!v6) return bytes[0] == 127;
    static constexpr std::array<std::uint8_t, 16> kOne = {0, 0, 0, 0, 0, 0, 0, 0,
                                                          0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == kOne;
}

TrustedNetworks TrustedNetworks::parse(std::string_view value) {
    TrustedNetworks out;
    std::size_t i = 0;
    while (i < value.size()) {
        std::size_t end = value.find_first_of(", \t", i);
        if (end == std::string_view::npos) end = value.size();
        std::string_view entry = value.substr(i, end - i);
        i = end + 1;
        if (entry.empty()) continue;
        auto fail = [&] {
            throw ConfigError("MAILDEX_TRUSTED_NETWORKS: '" + std::string(entry) +
                              "' is not an address or CIDR prefix (such as 10.0.0.0/8 or "
                              "2001:db8::/32)");
        };
        Net net{};
        auto slash = entry.find('/');
        if (!parseIpAddress(entry.substr(0, slash), net.bytes, net.v6)) fail();
        // A mapped address (::ffff:10.0.0.1) is an IPv4 one, its prefix counted in IPv4 bits.
        bool mapped = !net.v6 && entry.substr(0, slash).find(':') != std::string_view::npos;
        int max = net.v6 ? 128 : 32;
        net.prefixBits = max;
        if (slash != std::string_view::npos) {
            std::string_view bits = entry.substr(slash + 1);
            int n = -1;
            auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
            if (bits.empty() || ec != std::errc() || p != bits.data() + bits.size()) fail();
            if (mapped) n -= 96;
            if (n < 0 || n > max) fail();
            net.prefixBits = n;
        }
        out.nets_.push_back(net);
    }
    return out;
}

bool TrustedNetworks::contains(std::string_view address) const {
    std::array<std::uint8_t, 16> bytes{};
    bool v6 = false;
    if (nets_.empty() || !parseIpAddress(address, bytes, v6)) return false;
    for (const auto& n : nets_) {
        if (n.v6 != v6) continue;
        int whole = n.prefixBits / 8, rest = n.prefixBits % 8;
        if (!std::equal(n.bytes.begin(), n.bytes.begin() + whole, bytes.begin())) continue;
        if (rest) {
            auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
            auto k = static_cast<std::size_t>(whole);
            if ((n.bytes[k] & mask) != (bytes[k] & mask)) continue;
        }
        return true;
    }
    return false;
}

}  // namespace maildex::core
