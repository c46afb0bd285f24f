#pragma once
// TLS channel bindings for SCRAM-SHA-256-PLUS: data both ends of one TLS connection can
// compute and a man in the middle (with a TLS connection of its own to each) cannot.
//   tls-exporter          RFC 9266: 32 bytes exported with the label
//                         "EXPORTER-Channel-Binding"; TLS 1.3 only (before 1.3 it is
//                         safe only with extended master secret, which is not checked)
//   tls-server-end-point  RFC 5929: the hash of our certificate (SHA-256, or the
//                         certificate's own signature hash when stronger); any version
//   tls-unique            RFC 5929: the first Finished message; TLS 1.2 and older
//                         (it does not exist in 1.3)

#include <openssl/ssl.h>

#include <optional>
#include <string>
#include <string_view>

namespace maildex::net {

// nullopt when this connection cannot give that type.
std::optional<std::string> tlsChannelBinding(SSL* ssl, std::string_view type);

}  // namespace maildex::net
