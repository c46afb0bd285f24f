#pragma once
// The network server: listeners, the event loops, the worker pool, TLS, logins, limits,
// the admin endpoint, and signals (SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the
// TLS certificates).

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/access_file.h"
#include "core/server_config.h"
#include "net/connection.h"
#include "net/systemd_notify.h"

namespace maildex::core::auth {
class Authentication;
}  // namespace maildex::core::auth

namespace maildex::net {

class AdminServer;
class EventLoop;
class Listener;
class TlsManager;
class WorkerPool;

struct SessionInfo {
    std::uint64_t id;
    std::string user;
    std::string peer;
    bool idling;
};

class Server {
  public:
    // Binds the ports and loads certificates and users; throws with a message naming
    // what is wrong. Privileges are dropped (MAILDEX_USER) once the ports are bound.
    explicit Server(core::ServerConfig config);
    ~Server();

    // Serves until SIGTERM or SIGINT; returns the exit code.
    int run();
    // Asks run() to drain and return (tests, the admin endpoint).
    void requestStop();

    std::vector<SessionInfo> who();
    // Ends the sessions of a user (or from an IP address); returns how many.
    int kick(const std::string& user, const std::string& ip);
    std::vector<std::string> listening() const;
    // IMAPACCESSFILE's rule that refuses an address, if one does (also for /auth's
    // Client-IP).
    std::optional<std::string> accessDenied(const std::string& ip);

  private:
    void adopt(struct Accepted accepted);
    // ServerContext::admitClient.
    const char* admitClient(const std::string& address, const std::string& held);
    // IMAPACCESSFILE, read at start and on SIGHUP; false (and the old list kept) when
    // the file cannot be read at a reload.
    void loadAccessList();
    // PIDFILE and SSLPIDFILE, written at start and removed at exit.
    void writePidFiles();
    void removePidFiles();
    void dropPrivileges();
    void raiseFileLimit();
    void sizeDescriptorTable(int descriptors);
    void drain();
    void housekeeping();  // every second, on the thread that waits for signals
    // Runs f in every loop's thread, one loop after the other, and waits for each.
    void inEachLoop(const std::function<void(EventLoop&)>& f);

    core::ServerConfig config_;
    std::unique_ptr<TlsManager> tls_;
    std::unique_ptr<core::auth::Authentication> authentication_;
    std::unique_ptr<WorkerPool> workers_;
    // Connections are spread over the loops as they arrive; each stays on its loop.
    std::vector<std::unique_ptr<EventLoop>> loops_;
    std::unique_ptr<ServerContext> context_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::unique_ptr<AdminServer> admin_;
    SystemdNotifier notifier_;
    std::mutex accessMu_;
    std::shared_ptr<const core::AccessList> access_;  // null: no IMAPACCESSFILE
    std::vector<std::filesystem::path> pidFilesWritten_;

    std::mutex countsMu_;
    int total_ = 0;
    int connectionLimit_;  // MAXDAEMONS, or less when the open-file limit is lower
    std::map<std::string, int> perIp_;
    std::atomic<std::uint64_t> nextId_{1};
    std::atomic<bool> draining_{false};
    int stopPipe_[2] = {-1, -1};
};

}  // namespace maildex::net
