#include "net/metrics.h"

#include <sstream>

namespace maildex::net {

Metrics& Metrics::instance() {
    static Metrics m;
    return m;
}

void Metrics::command(const std::string& name, const std::string& result,
                      std::chrono::microseconds duration) {
    double seconds = static_cast<double>(duration.count()) / 1e6;
    std::lock_guard lock(mu_);
    auto& h = commands_[{name, result}];
    size_t i = 0;
    while (i < kBuckets.size() && seconds > kBuckets[i])
        ++i;
    ++h.counts[i];
    h.sum += seconds;
    ++h.count;
}

std::string Metrics::render(const std::string& extra) const {
    std::ostringstream out;
    auto gauge = [&](const char* name, const char* help, std::int64_t v) {
        out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
            << name << " " << v << "\n";
    };
    auto counter = [&](const char* name, const char* help, std::uint64_t v) {
        out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
            << name << " " << v << "\n";
    };
    out << "# HELP maildex_connections Open IMAP connections by state.\n# TYPE maildex_connections "
           "gauge\n";
    std::int64_t open = connectionsOpen, idle = connectionsIdle, auth = connectionsAuthenticated;
    out << "maildex_connections{state=\"idle\"} " << idle << "\n";
    out << "maildex_connections{state=\"authenticated\"} " << auth - idle << "\n";
    out << "maildex_connections{state=\"not_authenticated\"} " << open - auth << "\n";
    gauge("maildex_connections_open", "Open IMAP connections.", open);
    counter("maildex_connections_accepted_total", "Connections accepted.", connectionsAccepted);
    counter("maildex_connections_refused_total", "Connections refused by MAXDAEMONS or MAXPERIP.",
            connectionsRefused);
    out << "# HELP maildex_logins_total Login attempts by result.\n# TYPE maildex_logins_total "
           "counter\n";
    out << "maildex_logins_total{result=\"ok\"} " << loginsOk << "\n";
    out << "maildex_logins_total{result=\"failed\"} " << loginsFailed << "\n";
    out << "maildex_logins_total{result=\"throttled\"} " << loginsThrottled << "\n";
    out << "# HELP maildex_tls_handshakes_total TLS handshakes by result.\n# TYPE "
           "maildex_tls_handshakes_total counter\n";
    out << "maildex_tls_handshakes_total{result=\"ok\"} " << tlsHandshakesOk << "\n";
    out << "maildex_tls_handshakes_total{result=\"failed\"} " << tlsHandshakesFailed << "\n";
    out << "# HELP maildex_proxy_client_addresses_total Client addresses a trusted proxy named, "
           "by how (PROXY header, ID fields), and PROXY headers refused (untrusted peer, "
           "garbled, late, or the named client refused).\n"
           "# TYPE maildex_proxy_client_addresses_total counter\n";
    out << "maildex_proxy_client_addresses_total{by=\"proxy_header\"} " << proxyHeadersAccepted
        << "\n";
    out << "maildex_proxy_client_addresses_total{by=\"id\"} " << clientsFromId << "\n";
    out << "maildex_proxy_client_addresses_total{by=\"refused\"} " << proxyHeadersRefused << "\n";
    out << "# HELP maildex_command_seconds Command latency by command and result.\n"
           "# TYPE maildex_command_seconds histogram\n";
    {
        std::lock_guard lock(mu_);
        for (const auto& [key, h] : commands_) {
            std::string labels = "command=\"" + key.first + "\",result=\"" + key.second + "\"";
            std::uint64_t cumulative = 0;
            for (size_t i = 0; i < kBuckets.size(); ++i) {
                cumulative += h.counts[i];
                out << "maildex_command_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
                    << "\"} " << cumulative << "\n";
            }
            cumulative += h.counts[kBuckets.size()];
            out << "maildex_command_seconds_bucket{" << labels << ",le=\"+Inf\"} " << cumulative
                << "\n";
            out << "maildex_command_seconds_sum{" << labels << "} " << h.sum << "\n";
            out << "maildex_command_seconds_count{" << labels << "} " << h.count << "\n";
        }
    }
    out << extra;
    return out.str();
}

}  // namespace maildex::net
