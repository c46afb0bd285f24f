#pragma once
// The admin endpoint (MAILDEX_ADMIN_ADDRESS, Poco's HTTP server, loopback by default):
//   GET  /metrics           Prometheus metrics
//   GET  /who               the open sessions, JSON
//   POST /kick?user=NAME    end a user's sessions (or ?ip=ADDRESS)
//   GET  /auth              nginx mail proxy authentication (Auth-User, Auth-Pass headers),
//                           paced per Client-IP and user name as IMAP logins are

#include <memory>
#include <string>

namespace Poco::Net {
class HTTPServer;
}

namespace maildex::core {
class Authenticator;
}

namespace maildex::net {

class Server;

class AdminServer {
  public:
    AdminServer(const std::string& address, Server& server, core::Authenticator* logins,
                std::string imapHost, int imapPort);
    ~AdminServer();
    int port() const { return port_; }

  private:
    std::unique_ptr<Poco::Net::HTTPServer> http_;
    int port_ = 0;
};

}  // namespace maildex::net
