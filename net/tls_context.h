#pragma once
// TLS with OpenSSL for implicit TLS (SSLPORT) and STARTTLS. The certificate file may hold
// certificate and key (as Courier's imapd.pem does) or a separate key file may be given.
// SNI chooses "<TLS_CERTFILE>.<servername>" when that file exists (Courier's convention).
// Everything is loaded again on SIGHUP; connections already open keep the context they
// started with (a shared_ptr), new ones get the new one. A context that fails to load
// leaves the old one in place.

#include <openssl/ssl.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/server_config.h"

namespace maildex::net {

struct TlsOptions {
    std::filesystem::path certFile;
    std::filesystem::path keyFile;   // empty: the key is in certFile
    std::filesystem::path dhParams;  // empty: OpenSSL's built-in groups
    std::filesystem::path trustCerts;
    std::string minProtocol = "TLSv1.2";
    std::string cipherList;  // empty: modern ciphers
    // TLS_VERIFYPEER: NONE, PEER (a client certificate is asked for; one that is given
    // must verify against trustCerts) or REQUIREPEER (no handshake without one).
    std::string verifyPeer = "NONE";
};

// The TLS settings of a server configuration (TLS_CERTFILE, TLS_VERIFYPEER, ...).
TlsOptions tlsOptionsFrom(const core::ServerConfig& config);

// One SSL_CTX with its certificate.
class TlsContext {
  public:
    // Throws std::runtime_error naming the file that could not be used.
    TlsContext(const TlsOptions& options, const std::filesystem::path& certFile);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;
    SSL_CTX* get() const { return ctx_; }

  private:
    SSL_CTX* ctx_ = nullptr;
};

class TlsManager {
  public:
    // Loads the default certificate; throws if it cannot.
    explicit TlsManager(TlsOptions options);
    // SIGHUP: loads everything again; on failure logs and keeps the old contexts.
    bool reload();
    // A new connection's SSL object (SNI resolved during the handshake).
    SSL* newConnection();

  private:
    static int onServerName(SSL* ssl, int* alert, void* arg);
    std::shared_ptr<TlsContext> contextFor(const std::string& serverName);

    TlsOptions options_;
    std::mutex mu_;
    std::shared_ptr<TlsContext> default_;
    std::map<std::string, std::shared_ptr<TlsContext>> byName_;  // absent file cached as null
};

// Text for OpenSSL's error queue, emptied.
std::string opensslErrors();

}  // namespace maildex::net
