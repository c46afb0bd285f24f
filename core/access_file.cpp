// couriertcpd's access file (core/access_file.h): parsing the rules and finding the most
// specific one for an address. Every form is a prefix of some length in bits, so "most
// specific" is simply the longest prefix that matches.

#include "core/access_file.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/config_file.h"

namespace maildex::core {

namespace {

bool parseNumber(std::string_view s, int& out, int max) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out >= 0 && out <= max;
}

// "a", "a.b", "a.b.c", "a.b.c.d": couriertcpd's netblocks.
bool parseOctets(const std::string& s, std::array<std::uint8_t, 16>& bytes, int& bits) {
    std::stringstream in(s);
    std::string part;
    int n = 0;
    while (std::getline(in, part, '.')) {
        int v = 0;
        if (n == 4 || !parseNumber(part, v, 255)) return false;
        bytes[static_cast<std::size_t>(n++)] = static_cast<std::uint8_t>(v);
    }
    if (n == 0 || s.back() == '.') return false;
    bits = 8 * n;
    return true;
}

// ":hhhh:hhhh": couriertcpd's IPv6 netblocks, whole 16-bit words.
bool parseCourierV6(const std::string& s, std::array<std::uint8_t, 16>& bytes, int& bits) {
    std::stringstream in(s.substr(1));
    std::string word;
    int n = 0;
    while (std::getline(in, word, ':')) {
        if (n == 8 || word.size() != 4) return false;
        int v = 0;
        auto [p, ec] = std::from_chars(word.data(), word.data() + 4, v, 16);
        if (ec != std::errc() || p != word.data() + 4) return false;
        bytes[static_cast<std::size_t>(2 * n)] = static_cast<std::uint8_t>(v >> 8);
        bytes[static_cast<std::size_t>(2 * n + 1)] = static_cast<std::uint8_t>(v & 0xff);
        ++n;
    }
    if (n == 0 || s.back() == ':') return false;
    bits = 16 * n;
    return true;
}

bool matches(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
             int bits) {
    int whole = bits / 8;
    if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
    int rest = bits % 8;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[static_cast<std::size_t>(whole)] & mask) ==
           (b[static_cast<std::size_t>(whole)] & mask);
}

}  // namespace

AccessList AccessList::load(const std::filesystem::path& path) {
    AccessList list;
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(path, ec)) {
        // makedat reads every file of the directory; editors' leftovers are not rules.
        for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
            std::string name = entry.path().filename().string();
            if (!entry.is_regular_file() || name.empty() || name[0] == '.' || name.back() == '~')
                continue;
            files.push_back(entry.path());
        }
        if (ec)
            throw ConfigError("IMAPACCESSFILE: cannot read " + path.string() + ": " + ec.message());
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(path);
    }
    for (const auto& f : files) {
        std::ifstream in(f);
        if (!in) throw ConfigError("IMAPACCESSFILE: cannot read " + f.string());
        std::stringstream text;
        text << in.rdbuf();
        list.parse(text.str(), f.string());
    }
    return list;
}

void AccessList::parse(const std::string& text, const std::string& origin) {
    std::stringstream in(text);
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        std::string t = trimBlanks(line);
        if (t.empty() || t[0] == '#') continue;
        auto fail = [&](const std::string& why) {
            throw ConfigError("IMAPACCESSFILE: " + origin + ":" + std::to_string(lineNo) + ": " +
                              why + ": '" + t + "'");
        };
        auto gap = t.find_first_of(" \t");
        if (gap == std::string::npos) fail("expected ADDRESS<TAB>allow or ADDRESS<TAB>deny");
        std::string address = t.substr(0, gap);
        std::string action = trimBlanks(t.substr(gap));
        std::string verb = action.substr(0, action.find(','));
        for (char& c : verb)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        Rule r{};
        if (verb == "allow")
            r.allow = true;
        else if (verb == "deny")
            r.allow = false;
        else
            fail("expected allow or deny after the address");
        r.text = address;
        bool ok = false;
        if (address == "*") {
            r.any = true;
            ok = true;
        } else if (auto slash = address.find('/'); slash != std::string::npos) {
            std::string net = address.substr(0, slash);
            r.v6 = net.find(':') != std::string::npos;
            ok = ::inet_pton(r.v6 ? AF_INET6 : AF_INET, net.c_str(), r.bytes.data()) == 1 &&
                 parseNumber(std::string_view(address).substr(slash + 1), r.prefixBits,
                             r.v6 ? 128 : 32);
        } else if (address[0] == ':') {
            r.v6 = true;
            ok = parseCourierV6(address, r.bytes, r.prefixBits);
        } else {
            ok = parseOctets(address, r.bytes, r.prefixBits);
        }
        if (!ok) fail("not an address, netblock or CIDR block");
        rules_.push_back(std::move(r));
    }
}

AccessList::Decision AccessList::check(const std::string& address) const {
    std::array<std::uint8_t, 16> bytes{};
    bool v6 = false;
    std::string a = address;
    // IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d; the file lists them
    // as IPv4 (couriertcpd(1): "no changes are required").
    if (a.rfind("::ffff:", 0) == 0 && a.find('.') != std::string::npos) a = a.substr(7);
    if (::inet_pton(AF_INET, a.c_str(), bytes.data()) != 1) {
        if (::inet_pton(AF_INET6, a.c_str(), bytes.data()) != 1) return {};
        v6 = true;
    }
    const Rule* best = nullptr;
    for (const auto& r : rules_) {
        if (!r.any && (r.v6 != v6 || !matches(r.bytes, bytes, r.prefixBits))) continue;
        int bits = r.any ? -1 : r.prefixBits;
        int bestBits = !best ? -2 : best->any ? -1 : best->prefixBits;
        // Equal prefixes: the later line wins, as a later record replaces an earlier one
        // when makedat builds the database.
        if (bits >= bestBits) best = &r;
    }
    if (!best) return {};
    return {best->allow, best->text};
}

}  // namespace maildex::core
