#pragma once
// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram of
// "KEY=VALUE" lines to the unix socket $NOTIFY_SOCKET names ("@name" for the abstract
// namespace). Type=notify in etc/maildexd.service waits for READY=1, which the server
// sends once its listeners accept connections. Without NOTIFY_SOCKET nothing is sent.

#include <string>

namespace maildex::net {

class SystemdNotifier {
  public:
    // Takes NOTIFY_SOCKET from the environment and removes it there, so that programs the
    // server starts (a checkpassword checker) cannot speak for it.
    SystemdNotifier();
    // Sends the state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."); false when
    // there is no socket or the datagram could not be sent (the server goes on either way).
    bool send(const std::string& state) const;
    bool enabled() const { return !socket_.empty(); }

  private:
    std::string socket_;
};

}  // namespace maildex::net
