#pragma once
// A listening port. Poco's TCPServer accepts; each accepted socket is handed over at once
// (its descriptor duplicated, made non-blocking) to `adopt`, which gives it to the event
// loop, so Poco's threads only ever hold a connection for an instant.

#include <Poco/Net/TCPServer.h>

#include <functional>
#include <memory>
#include <string>

namespace maildex::net {

struct Accepted {
    int fd;
    std::string ip;
    int port;
    bool implicitTls;
    bool loopback;
    bool proxyProtocol;  // the connection starts with a PROXY protocol header
};

class Listener {
  public:
    using Adopt = std::function<void(Accepted)>;
    // Binds now (so privileges can be dropped afterwards); throws with the address named.
    Listener(const std::string& address, int port, bool implicitTls, bool proxyProtocol,
             Adopt adopt);
    ~Listener();
    void start();
    void stop();
    int port() const { return port_; }
    std::string describe() const;

  private:
    std::unique_ptr<Poco::Net::TCPServer> server_;
    std::string address_;
    int port_;
    bool implicitTls_;
    bool proxyProtocol_;
};

}  // namespace maildex::net
