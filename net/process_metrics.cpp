#include "net/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "base/version.h"

namespace maildex::net {

namespace {

// Prometheus label values escape backslash, double quote and line feed.
std::string labelValue(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"')
            out += '\\', out += c;
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::size_t openDescriptors() {
    std::size_t n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
        if (n > 0) --n;  // the directory's own descriptor
    }
    return n;
}

// Seconds since the epoch when the system booted (/proc/stat's btime).
long long bootTime() {
    std::ifstream in("/proc/stat");
    std::string key;
    long long value = 0;
    while (in >> key) {
        if (key == "btime") {
            in >> value;
            return value;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

void gauge(std::ostream& out, const char* name, const char* help, const char* type, double value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
        << name << " " << value << "\n";
}

}  // namespace

std::string processMetrics() {
    std::ostringstream out;
    out.precision(15);
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

    // /proc/self/stat: the command name is in parentheses and may hold spaces; the fields
    // after the last ')' are numbered from 3 (proc(5)): utime 14, stime 15, starttime 22,
    // rss 24.
    std::ifstream statFile("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close != std::string::npos) {
        std::istringstream fields(stat.substr(close + 2));
        std::string f;
        double utime = 0, stime = 0, start = 0, rss = 0;
        for (int i = 3; fields >> f; ++i) {
            if (i == 14) utime = std::stod(f);
            if (i == 15) stime = std::stod(f);
            if (i == 22) start = std::stod(f);
            if (i == 24) {
                rss = std::stod(f);
                break;
            }
        }
        // CPU time from getrusage, in microseconds: /proc's clock ticks (10 ms) read 0 for
        // a server that has only started, as if it were not measured.
        struct rusage usage {};
        double cpu = (utime + stime) / tick;
        if (::getrusage(RUSAGE_SELF, &usage) == 0)
            cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
        gauge(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
              "counter", cpu);
        gauge(out, "process_start_time_seconds",
              "Start time of the process since unix epoch in seconds.", "gauge",
              static_cast<double>(bootTime()) + start / tick);
        gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
              rss * page);
    }
    gauge(out, "process_open_fds", "Number of open file descriptors.", "gauge",
          static_cast<double>(openDescriptors()));
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0)
        gauge(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
              static_cast<double>(limit.rlim_cur));
    return out.str();
}

std::string buildInfoMetric() {
    return "# HELP maildex_build_info The version of maildexd running (always 1).\n"
           "# TYPE maildex_build_info gauge\n"
           "maildex_build_info{version=\"" +
           labelValue(projectVersion()) + "\",revision=\"" + labelValue(gitRevision()) + "\"} 1\n";
}

}  // namespace maildex::net
