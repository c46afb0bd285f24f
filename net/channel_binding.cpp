// TLS channel-binding data (net/channel_binding.h), from OpenSSL's view of a finished
// handshake. Every call only reads what the handshake settled, so a worker may ask while
// the event loop reads from the same connection.

#include "net/channel_binding.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace maildex::net {

std::optional<std::string> tlsChannelBinding(SSL* ssl, std::string_view type) {
    if (!ssl || !SSL_is_init_finished(ssl)) return std::nullopt;
    int version = SSL_version(ssl);
    if (type == "tls-exporter") {
        if (version != TLS1_3_VERSION) return std::nullopt;
        static const char kLabel[] = "EXPORTER-Channel-Binding";
        unsigned char out[32];
        if (SSL_export_keying_material(ssl, out, sizeof out, kLabel, sizeof kLabel - 1, nullptr, 0,
                                       0) != 1)
            return std::nullopt;
        return std::string(reinterpret_cast<char*>(out), sizeof out);
    }
    if (type == "tls-server-end-point") {
        X509* cert = SSL_get_certificate(ssl);
        if (!cert) return std::nullopt;
        // RFC 5929 4.1: the certificate's signature hash, but SHA-256 for MD5 and SHA-1.
        int mdNid = NID_undef;
        const EVP_MD* md = nullptr;
        if (X509_get_signature_info(cert, &mdNid, nullptr, nullptr, nullptr) == 1 &&
            mdNid != NID_md5 && mdNid != NID_sha1)
            md = EVP_get_digestbynid(mdNid);
        if (!md) md = EVP_sha256();
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (X509_digest(cert, md, out, &n) != 1) return std::nullopt;
        return std::string(reinterpret_cast<char*>(out), n);
    }
    if (type == "tls-unique") {
        if (version >= TLS1_3_VERSION) return std::nullopt;
        // The first Finished of the handshake: the client's in a full handshake, ours when
        // a session was resumed.
        unsigned char out[EVP_MAX_MD_SIZE];
        std::size_t n = SSL_session_reused(ssl) ? SSL_get_finished(ssl, out, sizeof out)
                                                : SSL_get_peer_finished(ssl, out, sizeof out);
        if (n == 0 || n > sizeof out) return std::nullopt;
        return std::string(reinterpret_cast<char*>(out), n);
    }
    return std::nullopt;
}

}  // namespace maildex::net
