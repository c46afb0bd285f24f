#pragma once
// IMAPACCESSFILE: which client addresses may connect, in couriertcpd's access-file format
// (couriertcpd(1), "ACCESS FILE"), read from the text Courier's makeimapaccess compiles
// into imapaccess.dat: a file, or a directory whose files are read in name order (Debian
// ships /etc/courier/imapaccess as an empty directory). One rule a line:
//
//   192.168.0<TAB>deny          a netblock: 1 to 4 octets, so 192.168.0.0-192.168.0.255
//   192.168.0.10<TAB>allow      the most specific line wins, whatever the order
//   10.0.0.0/8<TAB>deny         CIDR (makedat -cidr, which Courier's scripts pass)
//   :2002:c0a8<TAB>deny         IPv6, couriertcpd's spelling: zero-padded 16-bit words
//   2001:db8::/32<TAB>deny      IPv6 in the usual CIDR form too
//   *<TAB>deny                  every address not listed otherwise
//
// "allow" may carry ",VAR=value" environment settings, which mean nothing to IMAP and are
// ignored. '#' starts a comment line. Unlisted addresses are allowed. Pure parsing and
// matching: the network layer asks before it greets a client.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace maildex::core {

class AccessList {
  public:
    struct Decision {
        bool allowed = true;
        std::string rule;  // the line's address as written; empty: no line matched
    };

    // Reads a file or a directory of files; throws ConfigError naming file and line.
    static AccessList load(const std::filesystem::path& fileOrDirectory);
    // The text of one file; `origin` names it in errors.
    void parse(const std::string& text, const std::string& origin);

    // The decision for a client address as text ("192.0.2.7", "::1", "::ffff:192.0.2.7").
    Decision check(const std::string& address) const;
    std::size_t size() const { return rules_.size(); }

  private:
    struct Rule {
        bool v6;
        std::array<std::uint8_t, 16> bytes{};
        int prefixBits;  // 0 for "*"
        bool any;        // "*": both families
        bool allow;
        std::string text;
    };
    std::vector<Rule> rules_;
};

}  // namespace maildex::core
