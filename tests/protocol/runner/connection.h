#pragma once
// The ways a transcript reaches a server: in this process through core::Engine, through
// a maildexd process on stdin/stdout, or (with the network server) over TCP.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace maildex::test {

class Connection {
  public:
    virtual ~Connection() = default;
    virtual void send(std::string_view bytes) = 0;
    // The next server line without its CRLF, or nullopt when none came within `timeout`
    // (or the server closed the connection).
    virtual std::optional<std::string> readLine(std::chrono::milliseconds timeout) = 0;
    virtual void closeInput() = 0;
    // Output the server sent that no step has read yet (checked at the end).
    virtual std::string unread() = 0;
};

std::unique_ptr<Connection> connectInProcess(const std::string& maildir);
std::unique_ptr<Connection> connectStdio(const std::string& maildexd, const std::string& maildir);
// A TCP connection to 127.0.0.1:port.
std::unique_ptr<Connection> connectTcp(int port);

// A maildexd server for a script: a user "test" (password "test") whose Maildir is
// `maildir`, on a free loopback port; stopped (SIGTERM, by PID) when destroyed.
class TestServer {
  public:
    TestServer(const std::string& maildexd, const std::string& maildir, const std::string& workDir);
    ~TestServer();
    int port() const { return port_; }

  private:
    int pid_ = -1;
    int port_ = 0;
};

}  // namespace maildex::test
