#pragma once
// The admin endpoint (MAILDEX_ADMIN_ADDRESS, Poco's HTTP server, loopback by default):
//   GET  /metrics           Prometheus metrics
//   GET  /who               the open sessions, JSON
//   POST /kick?user=NAME    end a user's sessions (or ?ip=ADDRESS)
//   GET  /auth              nginx mail proxy authentication (Auth-User, Auth-Pass headers)

#include <memory>
#include <string>

namespace Poco::Net {
class HTTPServer;
}

namespace maildex::net {

class Server;
class UserDatabase;

class AdminServer {
  public:
    AdminServer(const std::string& address, Server& server, UserDatabase* users,
                std::string imapHost, int imapPort);
    ~AdminServer();
    int port() const { return port_; }

  private:
    std::unique_ptr<Poco::Net::HTTPServer> http_;
    int port_ = 0;
};

}  // namespace maildex::net
