#include "net/listener.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>

#include <stdexcept>

#include "base/log.h"

namespace maildex::net {

namespace {

class Handoff : public Poco::Net::TCPServerConnection {
  public:
    Handoff(const Poco::Net::StreamSocket& socket, const Listener::Adopt& adopt, bool implicitTls,
            bool proxyProtocol)
        : TCPServerConnection(socket),
          adopt_(adopt),
          implicitTls_(implicitTls),
          proxyProtocol_(proxyProtocol) {}

    void run() override {
        // Poco closes its socket when run() returns; we keep a duplicate.
        int fd = ::fcntl(socket().impl()->sockfd(), F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return;
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        // The peer from our own descriptor: Poco's accept thread may be releasing its
        // socket object while this runs (ThreadSanitizer saw it with peerAddress()).
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
            ::close(fd);
            return;
        }
        Poco::Net::SocketAddress peer(reinterpret_cast<sockaddr*>(&ss), len);
        Accepted a{fd,           peer.host().toString(),   peer.port(),
                   implicitTls_, peer.host().isLoopback(), proxyProtocol_};
        adopt_(std::move(a));
    }

  private:
    const Listener::Adopt& adopt_;
    bool implicitTls_;
    bool proxyProtocol_;
};

class HandoffFactory : public Poco::Net::TCPServerConnectionFactory {
  public:
    HandoffFactory(Listener::Adopt adopt, bool implicitTls, bool proxyProtocol)
        : adopt_(std::move(adopt)), implicitTls_(implicitTls), proxyProtocol_(proxyProtocol) {}
    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override {
        return new Handoff(socket, adopt_, implicitTls_, proxyProtocol_);
    }

  private:
    Listener::Adopt adopt_;
    bool implicitTls_;
    bool proxyProtocol_;
};

}  // namespace

Listener::Listener(const std::string& address, int port, bool implicitTls, bool proxyProtocol,
                   Adopt adopt)
    : address_(address == "0" ? "0.0.0.0" : address),
      port_(port),
      implicitTls_(implicitTls),
      proxyProtocol_(proxyProtocol) {
    Poco::Net::ServerSocket socket;
    try {
        socket.bind(Poco::Net::SocketAddress(address_, static_cast<Poco::UInt16>(port)), true,
                    true);
        socket.listen(4096);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot listen on " + address_ + ":" + std::to_string(port) +
                                 ": " + e.displayText());
    }
    port_ = socket.address().port();
    auto params = new Poco::Net::TCPServerParams;
    // Hand-offs are instant; a few threads keep up with any accept rate, and the queue
    // holds a burst of tens of thousands of new connections.
    params->setMaxThreads(2);
    params->setMaxQueued(65536);
    server_ = std::make_unique<Poco::Net::TCPServer>(
        new HandoffFactory(std::move(adopt), implicitTls, proxyProtocol), socket, params);
}

Listener::~Listener() {
    stop();
}

void Listener::start() {
    server_->start();
}

void Listener::stop() {
    if (server_) server_->stop();
}

std::string Listener::describe() const {
    return address_ + ":" + std::to_string(port_) + (implicitTls_ ? " (TLS)" : "") +
           (proxyProtocol_ ? " (PROXY protocol)" : "");
}

}  // namespace maildex::net
