#pragma once
// SCRAM-SHA-256 and SCRAM-SHA-256-PLUS, the server side (RFC 5802, RFC 7677), with channel
// binding tls-exporter (RFC 9266, TLS 1.3), tls-server-end-point (RFC 5929, any TLS) and
// tls-unique (RFC 5929, TLS 1.2 and older). The password never crosses the wire, and the
// server needs only StoredKey and ServerKey: Dovecot's passwd-file scheme
// "{SCRAM-SHA-256}ITERATIONS,SALT,STOREDKEY,SERVERKEY" (base64 fields, as `doveadm pw -s
// SCRAM-SHA-256` writes them), or keys computed from a {PLAIN} password.
//
// Pure computation (OpenSSL's PBKDF2, HMAC and SHA-256); the session drives the exchange
// and the network layer supplies the channel-binding data.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace maildex::core::auth {

// What the server keeps of a password (raw bytes, not base64).
struct ScramKeys {
    int iterations = 4096;
    std::string salt;
    std::string storedKey;  // H(HMAC(SaltedPassword, "Client Key"))
    std::string serverKey;  // HMAC(SaltedPassword, "Server Key")
};

// Dovecot's field after "{SCRAM-SHA-256}"; nullopt when it is not one.
std::optional<ScramKeys> parseDovecotScram(std::string_view field);
// The keys of a password with this salt and iteration count (PBKDF2-HMAC-SHA-256).
ScramKeys scramKeysFor(std::string_view password, std::string salt, int iterations);
// Dovecot's form of keys, for the admin tool and tests.
std::string formatDovecotScram(const ScramKeys& keys);

std::string base64Encode(std::string_view raw);
std::optional<std::string> base64Decode(std::string_view text);

// The channel-binding data of the connection for a type ("tls-exporter", ...), or nullopt
// when this connection cannot give it (no TLS, the wrong TLS version).
using ChannelBinding = std::function<std::optional<std::string>(std::string_view type)>;

// What a connection offers for that (the network layer's TLS connection).
class ChannelBindingSource {
  public:
    virtual std::optional<std::string> channelBinding(std::string_view type) const = 0;

  protected:
    ~ChannelBindingSource() = default;
};

// One exchange. Messages in and out are the SASL messages themselves (the session does
// the base64 of IMAP's continuation lines).
class ScramExchange {
  public:
    // `plus`: the client chose SCRAM-SHA-256-PLUS. `plusOffered`: the server advertised
    // -PLUS on this connection (a client that could bind but thinks the server cannot,
    // "y", is then being downgraded, and is refused).
    ScramExchange(bool plus, bool plusOffered, ChannelBinding binding);

    // The client's first message. False with `error` set when it is malformed or asks for
    // what is not offered; otherwise user() and authzid() are known.
    bool clientFirst(std::string_view message, std::string& error);
    const std::string& user() const { return user_; }
    const std::string& authzid() const { return authzid_; }

    // The server's first message, with the account's keys (or made-up ones for a user that
    // does not exist, so the exchange looks the same and fails at the proof).
    // `serverNonce`: for tests with RFC 7677's example; empty (always, in the server):
    // 18 random bytes.
    std::string serverFirst(const ScramKeys& keys, std::string_view serverNonce = {});

    // The client's final message: true when the proof is right; then `serverFinal` is the
    // "v=" message to send. False with `error` for a wrong proof, a wrong channel binding,
    // a changed nonce or a malformed message.
    bool clientFinal(std::string_view message, std::string& serverFinal, std::string& error);

  private:
    bool plus_, plusOffered_;
    ChannelBinding binding_;
    std::string gs2Header_, clientFirstBare_, serverFirst_, nonce_;
    std::string user_, authzid_, cbType_;
    ScramKeys keys_;
};

// Keys for a user that does not exist: the same for the same name within this process, so
// asking twice does not tell a real user from a made-up one.
ScramKeys decoyScramKeys(std::string_view user);

}  // namespace maildex::core::auth
