#include "net/admin_server.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "base/log.h"
#include "core/auth/nginx_auth.h"
#include "core/authenticator.h"
#include "core/trusted_networks.h"
#include "index/mailstore.h"
#include "index/quota_census.h"
#include "index/watcher.h"
#include "net/metrics.h"
#include "net/process_metrics.h"
#include "net/server.h"

namespace maildex::net {

namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

void send(HTTPServerResponse& res, HTTPResponse::HTTPStatus status, const std::string& type,
          const std::string& body) {
    res.setStatusAndReason(status);  // "404 Not Found", not Poco's default "404 OK"
    res.setContentType(type);
    res.setContentLength(static_cast<std::streamsize>(body.size()));
    res.send() << body;
}

std::string indexMetrics() {
    auto s = index::Watcher::instance().stats();
    std::ostringstream out;
    out << "# HELP maildex_index_event_batches_total inotify event batches handled.\n"
           "# TYPE maildex_index_event_batches_total counter\nmaildex_index_event_batches_total "
        << s.eventBatches << "\n";
    out << "# HELP maildex_index_polls_total Periodic folder checks.\n"
           "# TYPE maildex_index_polls_total counter\nmaildex_index_polls_total "
        << s.polls << "\n";
    out << "# HELP maildex_inotify_overflows_total inotify queue overflows (each forced a "
           "rescan).\n"
           "# TYPE maildex_inotify_overflows_total counter\nmaildex_inotify_overflows_total "
        << s.overflows << "\n";
    out << "# HELP maildex_folders_watched Open folders by how changes reach them.\n"
           "# TYPE maildex_folders_watched gauge\n"
        << "maildex_folders_watched{by=\"inotify\"} " << s.watchedFolders << "\n"
        << "maildex_folders_watched{by=\"polling\"} " << s.unwatchedFolders << "\n";
    out << "# HELP maildex_inotify_watches inotify watch descriptors held (new/, cur/, "
           "courierimapkeywords/ of open folders).\n"
           "# TYPE maildex_inotify_watches gauge\nmaildex_inotify_watches "
        << s.inotifyWatches << "\n";
    out << "# HELP maildex_inotify_polling_fallbacks_total Folders inotify could not watch "
           "(watch limit, file system), polled instead.\n"
           "# TYPE maildex_inotify_polling_fallbacks_total counter\n"
           "maildex_inotify_polling_fallbacks_total "
        << s.pollingFallbacks << "\n";
    out << "# HELP maildex_index_databases_open Index databases (SQLite) open.\n"
           "# TYPE maildex_index_databases_open gauge\nmaildex_index_databases_open "
        << index::Mailstore::openDatabases() << "\n";
    // Counts over the logged-in users, never one series per user (index/quota_census.h).
    auto quota = index::quotaCensus();
    out << "# HELP maildex_quota_users Logged-in users whose Maildir has a Maildir++ quota "
           "(any), and of them those using more than 90% or more than 100% of either "
           "limit (bytes, messages).\n"
           "# TYPE maildex_quota_users gauge\n"
        << "maildex_quota_users{usage=\"any\"} " << quota.limited << "\n"
        << "maildex_quota_users{usage=\"over_90_percent\"} " << quota.over90 << "\n"
        << "maildex_quota_users{usage=\"over_100_percent\"} " << quota.over100 << "\n";
    return out.str();
}

class Handler : public Poco::Net::HTTPRequestHandler {
  public:
    Handler(Server& server, core::Authenticator* logins, std::string imapHost, int imapPort)
        : server_(server), logins_(logins), imapHost_(std::move(imapHost)), imapPort_(imapPort) {}

    void handleRequest(HTTPServerRequest& req, HTTPServerResponse& res) override {
        Poco::URI uri(req.getURI());
        const std::string& path = uri.getPath();
        if (path == "/metrics" && req.getMethod() == "GET") {
            send(res, HTTPResponse::HTTP_OK, "text/plain; version=0.0.4",
                 Metrics::instance().render(indexMetrics() + buildInfoMetric() + processMetrics()));
        } else if (path == "/who" && req.getMethod() == "GET") {
            Poco::JSON::Array list;
            for (const auto& s : server_.who()) {
                Poco::JSON::Object o;
                o.set("id", s.id);
                o.set("user", s.user);
                o.set("peer", s.peer);
                o.set("idle", s.idling);
                list.add(o);
            }
            std::ostringstream out;
            list.stringify(out);
            send(res, HTTPResponse::HTTP_OK, "application/json", out.str() + "\n");
        } else if (path == "/kick" && req.getMethod() == "POST") {
            Poco::Net::HTMLForm form(req, req.stream());
            std::string user = form.get("user", ""), ip = form.get("ip", "");
            if (user.empty() == ip.empty()) {
                send(res, HTTPResponse::HTTP_BAD_REQUEST, "text/plain",
                     "give user=NAME or ip=ADDRESS\n");
                return;
            }
            int n = server_.kick(user, ip);
            send(res, HTTPResponse::HTTP_OK, "application/json",
                 "{\"kicked\":" + std::to_string(n) + "}\n");
        } else if (path == "/auth") {
            auth(req, res);
            res.setContentLength(0);
            res.send();
        } else {
            // Anything else, or a known path with the wrong method.
            send(res, HTTPResponse::HTTP_NOT_FOUND, "text/plain",
                 "404 Not Found: the admin endpoint serves GET /metrics, GET /who, "
                 "POST /kick and /auth\n");
        }
    }

  private:
    // nginx mail proxy (ngx_mail_auth_http_module): answer with where to connect. Logins
    // through the proxy are paced as IMAP logins are (core/auth/login_throttle.h), by the
    // client's address nginx passes on (Client-IP), which IMAPACCESSFILE judges too. nginx
    // holds an error back for Auth-Wait seconds, so the wait goes there and no HTTP thread
    // sleeps; a right password whose answer must wait is answered "try again" after that
    // same wait (the client's next try then goes through), so it is told no earlier than a
    // wrong one would be. Auth-Error-Code is the SMTP code nginx passes to SMTP clients.
    void auth(HTTPServerRequest& req, HTTPServerResponse& res) {
        // nginx escapes the name and password (core/auth/nginx_auth.h).
        auto user = core::auth::decodeNginxEscaped(req.get("Auth-User", ""));
        auto pass = core::auth::decodeNginxEscaped(req.get("Auth-Pass", ""));
        struct Wipe {
            std::optional<std::string>& s;
            ~Wipe() {
                if (s) std::fill(s->begin(), s->end(), '\0');
            }
        } wipe{pass};
        std::string client = core::canonicalAddress(req.get("Client-IP", ""));
        if (client.empty()) client = core::canonicalAddress(req.clientAddress().host().toString());
        res.setStatus(HTTPResponse::HTTP_OK);
        auto refuse = [&](const std::string& status, const char* code, long long wait) {
            res.set("Auth-Status", status);
            res.set("Auth-Error-Code", code);
            if (wait >= 0) res.set("Auth-Wait", std::to_string(wait));
        };
        auto tryLater = [&](long long seconds) {
            refuse("Too many failed logins, try again later", "454 4.7.0", seconds);
        };
        if (!logins_ || imapPort_ == 0) {
            // No plain IMAP port to send the client to (IMAPDSTART=NO).
            return refuse("Temporary server problem, try again later", "451 4.3.0", 3);
        }
        // nginx keeps memory for every attempt of a session until it ends, and asks to
        // be answered without Auth-Wait (which ends the session) after 10-20 of them.
        if (std::atoi(req.get("Auth-Login-Attempt", "1").c_str()) > 10)
            return refuse("Too many login attempts", "454 4.7.0", -1);
        if (auto rule = server_.accessDenied(client)) {
            log::info("auth_http: refused " + client + ": IMAPACCESSFILE denies " + *rule);
            return refuse("Access denied from your address", "550 5.7.1", -1);
        }
        if (!user || !pass) {
            // nginx never sends such an escape: not a login to check or to count.
            log::info("auth_http: " + client + ": Auth-User or Auth-Pass badly escaped");
            return refuse("Invalid login or password", "535 5.7.8", 1);
        }
        if (!logins_->admit(*user, client)) return tryLater(1);
        auto checked = logins_->check(*user, *pass, client);
        bool ok = checked.identity.has_value();
        auto delay = logins_->settle(*user, client, ok);
        if (!delay) return tryLater(1);
        // A back end that could not tell (authdaemond down): nginx tries again later.
        if (!ok && checked.unavailable)
            return refuse("Temporary server problem, try again later", "451 4.3.0", 3);
        auto seconds = std::chrono::ceil<std::chrono::seconds>(*delay).count();
        if (ok && seconds == 0) {
            res.set("Auth-Status", "OK");
            res.set("Auth-Server", backendHost(req));
            res.set("Auth-Port", std::to_string(imapPort_));
        } else if (ok) {
            tryLater(seconds);
        } else {
            log::info("auth_http: login failed for " + *user + " from " + client);
            refuse("Invalid login or password", "535 5.7.8", seconds);
        }
    }

    // Auth-Server: MAILDEX_PROXY_BACKEND or ADDRESS when they name an address; for a
    // listener on every address, the address this request reached us on, which nginx can
    // evidently reach (core/auth/nginx_auth.h).
    std::string backendHost(HTTPServerRequest& req) {
        if (!imapHost_.empty()) return imapHost_;
        std::string arrived = req.serverAddress().host().toString();
        std::string host = core::auth::authServerAddress("0", arrived);
        static std::atomic<bool> said{false};
        if (!said.exchange(true))
            log::info(
                "auth_http: ADDRESS is every address, so /auth names the address nginx "
                "reached the admin endpoint on (" +
                host + "); set MAILDEX_PROXY_BACKEND=ADDRESS:PORT to name another");
        return host;
    }

    Server& server_;
    core::Authenticator* logins_;
    std::string imapHost_;
    int imapPort_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    Factory(Server& server, core::Authenticator* logins, std::string host, int port)
        : server_(server), logins_(logins), host_(std::move(host)), port_(port) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new Handler(server_, logins_, host_, port_);
    }

  private:
    Server& server_;
    core::Authenticator* logins_;
    std::string host_;
    int port_;
};

}  // namespace

AdminServer::AdminServer(const std::string& address, Server& server, core::Authenticator* logins,
                         std::string imapHost, int imapPort) {
    Poco::Net::ServerSocket socket;
    try {
        socket.bind(Poco::Net::SocketAddress(address), true);
        socket.listen(64);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("MAILDEX_ADMIN_ADDRESS: cannot listen on " + address + ": " +
                                 e.displayText());
    }
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    http_ = std::make_unique<Poco::Net::HTTPServer>(
        new Factory(server, logins, std::move(imapHost), imapPort), socket, params);
    http_->start();
}

AdminServer::~AdminServer() {
    if (http_) http_->stop();
}

}  // namespace maildex::net
