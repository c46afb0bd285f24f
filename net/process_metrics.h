#pragma once
// The process's own metrics in the Prometheus text format, under the names every
// Prometheus client library uses (process_resident_memory_bytes, process_open_fds,
// process_max_fds, process_start_time_seconds, process_cpu_seconds_total), so the
// usual dashboards and alerts work; and maildex_build_info (version and git revision).
// Read from /proc at each scrape.

#include <string>

namespace maildex::net {

std::string processMetrics();
std::string buildInfoMetric();

}  // namespace maildex::net
