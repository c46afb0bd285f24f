#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cctype>
#include <stdexcept>

#include "base/fs_identity.h"
#include "base/log.h"

namespace maildex::net {

namespace {

// Mozilla's "intermediate" list: forward secrecy and AEAD only, for TLS 1.2; TLS 1.3
// suites are OpenSSL's defaults.
constexpr const char* kModernCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

int protocolVersion(const std::string& name) {
    // Courier's spellings ("TLSv1.2", "TLSv1.2++"): the version is the minimum.
    if (name.rfind("TLSv1.3", 0) == 0) return TLS1_3_VERSION;
    if (name.rfind("TLSv1.2", 0) == 0) return TLS1_2_VERSION;
    if (name.rfind("TLSv1.1", 0) == 0) return TLS1_1_VERSION;
    return TLS1_VERSION;
}

}  // namespace

TlsOptions tlsOptionsFrom(const core::ServerConfig& c) {
    TlsOptions o{c.tlsCertFile,   c.tlsKeyFile,  c.tlsDhParams,
                 c.tlsTrustCerts, c.tlsProtocol, c.tlsCipherList};
    o.verifyPeer = c.tlsVerifyPeer;
    return o;
}

std::string opensslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

TlsContext::TlsContext(const TlsOptions& o, const std::filesystem::path& certFile) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (!ctx_) throw std::runtime_error("cannot create a TLS context: " + opensslErrors());
    auto fail = [&](const std::string& what) {
        std::string msg = what + ": " + opensslErrors();
        SSL_CTX_free(ctx_);
        ctx_ = nullptr;
        throw std::runtime_error(msg);
    };
    SSL_CTX_set_min_proto_version(ctx_, protocolVersion(o.minProtocol));
    SSL_CTX_set_options(
        ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Release the read and write buffers while a connection waits: an idle TLS
    // connection then costs a few kilobytes instead of tens.
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!SSL_CTX_set_cipher_list(ctx_,
                                 o.cipherList.empty() ? kModernCiphers : o.cipherList.c_str()))
        fail("TLS_CIPHER_LIST '" + o.cipherList + "' selects no cipher");
    // TLS 1.3: AES-128-GCM first (OpenSSL's default puts AES-256 first). As strong for
    // IMAP's purposes, faster, and its state is the smallest of the three: 180 bytes
    // less per idle connection than AES-256, and ten thousand connections add up.
    SSL_CTX_set_ciphersuites(
        ctx_, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
    if (SSL_CTX_use_certificate_chain_file(ctx_, certFile.c_str()) != 1)
        fail("cannot use certificate " + certFile.string());
    auto keyFile = o.keyFile.empty() ? certFile : o.keyFile;
    if (SSL_CTX_use_PrivateKey_file(ctx_, keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
        fail("cannot use private key " + keyFile.string());
    if (SSL_CTX_check_private_key(ctx_) != 1)
        fail("key " + keyFile.string() + " does not match " + certFile.string());
    if (!o.dhParams.empty()) {
        BIO* bio = BIO_new_file(o.dhParams.c_str(), "r");
        EVP_PKEY* dh = bio ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
        if (bio) BIO_free(bio);
        if (!dh || SSL_CTX_set0_tmp_dh_pkey(ctx_, dh) != 1) {
            EVP_PKEY_free(dh);
            fail("cannot use DH parameters " + o.dhParams.string());
        }
    } else {
        SSL_CTX_set_dh_auto(ctx_, 1);
    }
    if (!o.trustCerts.empty() &&
        SSL_CTX_load_verify_locations(ctx_, o.trustCerts.c_str(), nullptr) != 1)
        fail("cannot read trusted certificates " + o.trustCerts.string());
    if (o.verifyPeer == "PEER" || o.verifyPeer == "REQUIREPEER") {
        // The client is told which authorities are trusted, so it can pick its certificate;
        // resumed sessions must carry the context they were verified in.
        SSL_CTX_set_verify(
            ctx_,
            SSL_VERIFY_PEER | (o.verifyPeer == "REQUIREPEER" ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            nullptr);
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.trustCerts.c_str()))
            SSL_CTX_set_client_CA_list(ctx_, names);
        static const unsigned char kSessionContext[] = "maildex";
        SSL_CTX_set_session_id_context(ctx_, kSessionContext, sizeof kSessionContext - 1);
    }
}

TlsContext::~TlsContext() {
    SSL_CTX_free(ctx_);
}

TlsManager::TlsManager(TlsOptions options) : options_(std::move(options)) {
    default_ = std::make_shared<TlsContext>(options_, options_.certFile);
    SSL_CTX_set_tlsext_servername_callback(default_->get(), onServerName);
    SSL_CTX_set_tlsext_servername_arg(default_->get(), this);
}

bool TlsManager::reload() {
    try {
        base::FsIdentityScope asReader(base::configFileReader());  // net/privileges.h
        auto fresh = std::make_shared<TlsContext>(options_, options_.certFile);
        SSL_CTX_set_tlsext_servername_callback(fresh->get(), onServerName);
        SSL_CTX_set_tlsext_servername_arg(fresh->get(), this);
        std::lock_guard lock(mu_);
        default_ = std::move(fresh);
        byName_.clear();  // SNI certificates are loaded again on first use
        log::info("TLS certificates reloaded from " + options_.certFile.string());
        return true;
    } catch (const std::exception& e) {
        log::error(std::string("TLS reload failed, keeping the old certificates: ") + e.what());
        return false;
    }
}

SSL* TlsManager::newConnection() {
    std::lock_guard lock(mu_);
    // The SSL object holds its own reference to the context, so a reload later does not
    // pull it from under this connection.
    return SSL_new(default_->get());
}

std::shared_ptr<TlsContext> TlsManager::contextFor(const std::string& serverName) {
    std::lock_guard lock(mu_);
    auto it = byName_.find(serverName);
    if (it != byName_.end()) return it->second;
    std::shared_ptr<TlsContext> ctx;
    auto file = options_.certFile;
    file += "." + serverName;
    base::FsIdentityScope asReader(base::configFileReader());  // net/privileges.h
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
        try {
            ctx = std::make_shared<TlsContext>(options_, file);
        } catch (const std::exception& e) {
            log::warn(std::string("SNI certificate unusable, using the default: ") + e.what());
        }
    }
    byName_[serverName] = ctx;
    return ctx;
}

int TlsManager::onServerName(SSL* ssl, int*, void* arg) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) return SSL_TLSEXT_ERR_OK;
    // Only host-name characters may become part of a file name.
    std::string host;
    for (const char* p = name; *p && host.size() < 253; ++p) {
        char c = static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
            return SSL_TLSEXT_ERR_OK;
        host += c;
    }
    if (host.empty() || host.front() == '.' || host.find("..") != std::string::npos)
        return SSL_TLSEXT_ERR_OK;
    if (auto ctx = static_cast<TlsManager*>(arg)->contextFor(host))
        SSL_set_SSL_CTX(ssl, ctx->get());
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace maildex::net
