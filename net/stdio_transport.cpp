#include "net/stdio_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "base/log.h"

namespace maildex::net {

namespace {

bool writeAll(int fd, std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        off += static_cast<size_t>(n);
    }
    data.clear();
    return true;
}

}  // namespace

int runStdioSession(core::Engine& engine, int in, int out) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
        log::error("stdio session: cannot create wakeup pipe");
        return 1;
    }
    const int wakeRead = pipefd[0], wakeWrite = pipefd[1];
    engine.session().setWakeup([wakeWrite] {
        char c = 1;
        [[maybe_unused]] auto n =
            ::write(wakeWrite, &c, 1);  // full pipe: a wakeup is pending anyway
    });

    int rc = 0;
    engine.start();
    if (!writeAll(out, engine.output())) rc = 1;
    const auto keepalive = engine.session().config().idleKeepalive;
    auto lastKeepalive = std::chrono::steady_clock::now();
    char buf[65536];
    bool inputOpen = rc == 0;
    while (inputOpen) {
        pollfd fds[2] = {{in, POLLIN, 0}, {wakeRead, POLLIN, 0}};
        int timeout = -1;
        if (engine.session().idling()) {
            auto due = lastKeepalive + keepalive - std::chrono::steady_clock::now();
            timeout = static_cast<int>(std::max<long long>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(due).count()));
        }
        int n = ::poll(fds, 2, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = 1;
            break;
        }
        core::Engine::Next status = core::Engine::Next::Command;
        if (n == 0) {
            engine.session().keepalive();
            lastKeepalive = std::chrono::steady_clock::now();
        }
        if (fds[1].revents & POLLIN) {
            while (::read(wakeRead, buf, sizeof buf) > 0) {
            }
            status = engine.notifyChanges();
        }
        if (status == core::Engine::Next::Command &&
            (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t got = ::read(in, buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                inputOpen = false;
            } else {
                engine.feed(std::string_view(buf, static_cast<size_t>(got)));
                status = engine.run();
                // A suspended command waits for its output to be read: here a write
                // blocks until it is, so go on at once.
                while (status == core::Engine::Next::Suspended) {
                    if (!writeAll(out, engine.output())) break;
                    status = engine.resume();
                }
                if (engine.session().idling()) lastKeepalive = std::chrono::steady_clock::now();
            }
        }
        if (!writeAll(out, engine.output())) {
            rc = 1;
            break;
        }
        if (status == core::Engine::Next::Close) break;
        if (status == core::Engine::Next::StartTls) break;  // not offered in this mode
    }
    engine.session().setWakeup({});
    ::close(wakeRead);
    ::close(wakeWrite);
    return rc;
}

}  // namespace maildex::net
