// SCRAM-SHA-256(-PLUS), the server's side of the exchange (core/auth/scram.h).
//
//   C: n,,n=user,r=CNONCE                       client-first (gs2 header "n,,")
//   S: r=CNONCE SNONCE,s=SALT,i=4096            server-first
//   C: c=biws,r=CNONCE SNONCE,p=PROOF           client-final ("biws" = base64 "n,,")
//   S: v=SERVERSIGNATURE                        server-final
//
// AuthMessage is client-first-bare + "," + server-first + "," + client-final without its
// proof; the proof is ClientKey XOR HMAC(StoredKey, AuthMessage), and H(ClientKey) must be
// StoredKey. With -PLUS, "c=" carries the gs2 header followed by the connection's
// channel-binding data, so a man in the middle with its own TLS session cannot relay it.

#include "core/auth/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace maildex::core::auth {

namespace {

constexpr std::size_t kKeySize = SHA256_DIGEST_LENGTH;

std::string hmac(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
}

std::string sha256(std::string_view data) {
    unsigned char out[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
    return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string randomBytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("no random bytes from OpenSSL");
    return out;
}

// "=2C" and "=3D" in a saslname (RFC 5802 5.1); nullopt for any other '='.
std::optional<std::string> decodeSaslName(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '=') {
            out += s[i];
            continue;
        }
        if (s.substr(i, 3) == "=2C")
            out += ',';
        else if (s.substr(i, 3) == "=3D")
            out += '=';
        else
            return std::nullopt;
        i += 2;
    }
    return out;
}

std::vector<std::string_view> splitCommas(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto comma = s.find(',', start);
        out.push_back(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start));
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

bool printableNonce(std::string_view n) {
    if (n.empty()) return false;
    for (char c : n)
        if (c < 0x21 || c > 0x7e || c == ',') return false;
    return true;
}

}  // namespace

std::string base64Encode(std::string_view raw) {
    std::string out(4 * ((raw.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(raw.data()),
                            static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        bool pad = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '=');
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || pad))
            return std::nullopt;
    }
    std::string out(text.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') ++padding;
    if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

ScramKeys scramKeysFor(std::string_view password, std::string salt, int iterations) {
    unsigned char salted[kKeySize];
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof salted,
                          salted) != 1)
        throw std::runtime_error("PBKDF2 failed");
    std::string_view saltedView(reinterpret_cast<char*>(salted), sizeof salted);
    ScramKeys k;
    k.iterations = iterations;
    k.salt = std::move(salt);
    k.storedKey = sha256(hmac(saltedView, "Client Key"));
    k.serverKey = hmac(saltedView, "Server Key");
    OPENSSL_cleanse(salted, sizeof salted);
    return k;
}

std::optional<ScramKeys> parseDovecotScram(std::string_view field) {
    auto parts = splitCommas(field);
    if (parts.size() != 4) return std::nullopt;
    ScramKeys k;
    auto [p, ec] =
        std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), k.iterations);
    if (ec != std::errc() || p != parts[0].data() + parts[0].size() || k.iterations < 1 ||
        k.iterations > 10'000'000)
        return std::nullopt;
    auto salt = base64Decode(parts[1]), stored = base64Decode(parts[2]),
         server = base64Decode(parts[3]);
    if (!salt || salt->empty() || !stored || stored->size() != kKeySize || !server ||
        server->size() != kKeySize)
        return std::nullopt;
    k.salt = *salt;
    k.storedKey = *stored;
    k.serverKey = *server;
    return k;
}

std::string formatDovecotScram(const ScramKeys& k) {
    return std::to_string(k.iterations) + "," + base64Encode(k.salt) + "," +
           base64Encode(k.storedKey) + "," + base64Encode(k.serverKey);
}

ScramKeys decoyScramKeys(std::string_view user) {
    static const std::string secret = randomBytes(32);
    ScramKeys k;
    k.salt = hmac(secret, std::string("salt:") + std::string(user)).substr(0, 16);
    k.storedKey = hmac(secret, std::string("stored:") + std::string(user));
    k.serverKey = hmac(secret, std::string("server:") + std::string(user));
    return k;
}

ScramExchange::ScramExchange(bool plus, bool plusOffered, ChannelBinding binding)
    : plus_(plus), plusOffered_(plusOffered), binding_(std::move(binding)) {}

bool ScramExchange::clientFirst(std::string_view message, std::string& error) {
    // gs2-header: cbind-flag "," [authzid] ","
    auto first = message.find(',');
    auto second = first == std::string_view::npos ? first : message.find(',', first + 1);
    if (second == std::string_view::npos) {
        error = "malformed client-first message";
        return false;
    }
    std::string_view flag = message.substr(0, first);
    std::string_view authz = message.substr(first + 1, second - first - 1);
    gs2Header_ = std::string(message.substr(0, second + 1));
    clientFirstBare_ = std::string(message.substr(second + 1));
    if (flag == "n" || flag == "y") {
        if (plus_) {
            error = "SCRAM-SHA-256-PLUS needs channel binding (p=...)";
            return false;
        }
        if (flag == "y" && plusOffered_) {
            // The client could bind and believes the server cannot: someone removed -PLUS
            // from what it saw.
            error = "server-does-support-channel-binding";
            return false;
        }
    } else if (flag.substr(0, 2) == "p=") {
        if (!plus_) {
            error = "channel binding asked for without -PLUS";
            return false;
        }
        cbType_ = std::string(flag.substr(2));
        if (!binding_ || !binding_(cbType_)) {
            error = "unsupported-channel-binding-type";
            return false;
        }
    } else {
        error = "malformed gs2 header";
        return false;
    }
    if (!authz.empty()) {
        auto decoded = authz.substr(0, 2) == "a=" ? decodeSaslName(authz.substr(2)) : std::nullopt;
        if (!decoded) {
            error = "malformed authorization identity";
            return false;
        }
        authzid_ = *decoded;
    }
    auto attrs = splitCommas(clientFirstBare_);
    if (attrs.size() < 2 || attrs[0].substr(0, 2) != "n=" || attrs[1].substr(0, 2) != "r=") {
        error = attrs.empty() || attrs[0].substr(0, 2) != "m=" ? "malformed client-first message"
                                                               : "extensions-not-supported";
        return false;
    }
    auto name = decodeSaslName(attrs[0].substr(2));
    if (!name || name->empty()) {
        error = "invalid-username-encoding";
        return false;
    }
    user_ = *name;
    nonce_ = std::string(attrs[1].substr(2));
    if (!printableNonce(nonce_)) {
        error = "malformed nonce";
        return false;
    }
    return true;
}

std::string ScramExchange::serverFirst(const ScramKeys& keys, std::string_view serverNonce) {
    keys_ = keys;
    nonce_ += serverNonce.empty() ? base64Encode(randomBytes(18)) : std::string(serverNonce);
    serverFirst_ =
        "r=" + nonce_ + ",s=" + base64Encode(keys_.salt) + ",i=" + std::to_string(keys_.iterations);
    return serverFirst_;
}

bool ScramExchange::clientFinal(std::string_view message, std::string& serverFinal,
                                std::string& error) {
    auto proofAt = message.rfind(",p=");
    if (proofAt == std::string_view::npos) {
        error = "malformed client-final message";
        return false;
    }
    std::string_view withoutProof = message.substr(0, proofAt);
    auto attrs = splitCommas(withoutProof);
    if (attrs.size() < 2 || attrs[0].substr(0, 2) != "c=" || attrs[1].substr(0, 2) != "r=") {
        error = "malformed client-final message";
        return false;
    }
    auto cbind = base64Decode(attrs[0].substr(2));
    std::string expected = gs2Header_;
    if (!cbType_.empty()) {
        auto data = binding_ ? binding_(cbType_) : std::nullopt;
        if (!data) {
            error = "channel binding data unavailable";
            return false;
        }
        expected += *data;
    }
    if (!cbind || cbind->size() != expected.size() ||
        CRYPTO_memcmp(cbind->data(), expected.data(), expected.size()) != 0) {
        error = "channel-bindings-dont-match";
        return false;
    }
    if (attrs[1].substr(2) != nonce_) {
        error = "the nonce does not match";
        return false;
    }
    auto proof = base64Decode(message.substr(proofAt + 3));
    if (!proof || proof->size() != kKeySize) {
        error = "malformed proof";
        return false;
    }
    std::string authMessage =
        clientFirstBare_ + "," + serverFirst_ + "," + std::string(withoutProof);
    std::string clientKey = hmac(keys_.storedKey, authMessage);
    for (std::size_t i = 0; i < kKeySize; ++i)
        clientKey[i] = static_cast<char>(clientKey[i] ^ (*proof)[i]);
    std::string stored = sha256(clientKey);
    OPENSSL_cleanse(clientKey.data(), clientKey.size());
    if (keys_.storedKey.size() != kKeySize ||
        CRYPTO_memcmp(stored.data(), keys_.storedKey.data(), kKeySize) != 0) {
        error = "invalid-proof";
        return false;
    }
    serverFinal = "v=" + base64Encode(hmac(keys_.serverKey, authMessage));
    return true;
}

}  // namespace maildex::core::auth
