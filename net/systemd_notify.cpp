// sd_notify(3)'s datagram, written by hand (net/systemd_notify.h): the protocol is one
// sendto() on a unix datagram socket, not worth a library.

#include "net/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "base/log.h"

namespace maildex::net {

SystemdNotifier::SystemdNotifier() {
    if (const char* s = std::getenv("NOTIFY_SOCKET")) socket_ = s;
    ::unsetenv("NOTIFY_SOCKET");
    if (!socket_.empty() && socket_[0] != '/' && socket_[0] != '@') {
        log::warn("NOTIFY_SOCKET '" + socket_ + "' is neither a path nor @abstract; not used");
        socket_.clear();
    }
}

bool SystemdNotifier::send(const std::string& state) const {
    if (socket_.empty()) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, socket_.data(), socket_.size());
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ssize_t n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr*>(&addr), len);
    ::close(fd);
    if (n != static_cast<ssize_t>(state.size())) {
        log::warn("cannot tell systemd " + state.substr(0, state.find('\n')) + " through " +
                  socket_ + ": " + std::strerror(errno));
        return false;
    }
    return true;
}

}  // namespace maildex::net
