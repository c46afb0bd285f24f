// The server measured from outside: memory (PSS) and CPU of its process tree, and what
// the machine has left (conn_load.h).

#include "conn_load.h"

namespace conn_load {

std::vector<int> processTree(int root) {
    std::vector<int> out;
    if (root <= 0) return out;
    std::map<int, std::vector<int>> children;
    if (DIR* d = ::opendir("/proc")) {
        while (dirent* e = ::readdir(d)) {
            int pid = std::atoi(e->d_name);
            if (pid <= 0) continue;
            std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
            std::string text;
            std::getline(stat, text);
            auto close = text.rfind(')');
            if (close == std::string::npos) continue;
            std::istringstream rest(text.substr(close + 2));
            char state;
            int ppid = 0;
            rest >> state >> ppid;
            children[ppid].push_back(pid);
        }
        ::closedir(d);
    }
    std::vector<int> todo{root};
    while (!todo.empty()) {
        int pid = todo.back();
        todo.pop_back();
        out.push_back(pid);
        for (int c : children[pid])
            todo.push_back(c);
    }
    return out;
}

TreeMemory treeMemory(int root) {
    TreeMemory m;
    for (int pid : processTree(root)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
        std::string line;
        bool any = false;
        while (std::getline(in, line)) {
            if (line.rfind("Pss:", 0) == 0) {
                m.pssKb += std::atol(line.c_str() + 4);
                any = true;
            } else if (line.rfind("Pss_Anon:", 0) == 0) {
                m.pssAnonKb += std::atol(line.c_str() + 9);
            }
        }
        if (any) ++m.processes;
    }
    return m;
}

TreeCpu treeCpu(int root) {
    TreeCpu t;
    static const double tick = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    for (int pid : processTree(root)) {
        std::string base = "/proc/" + std::to_string(pid);
        std::ifstream stat(base + "/stat");
        std::string text;
        std::getline(stat, text);
        auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(text.substr(close + 2));
        std::string f;
        for (int i = 3; i <= 13; ++i)  // fields 3..13; utime and stime are 14 and 15
            rest >> f;
        long utime = 0, stime = 0;
        rest >> utime >> stime;
        t.cpuMs += static_cast<double>(utime + stime) * tick;
        if (DIR* d = ::opendir((base + "/task").c_str())) {
            while (dirent* e = ::readdir(d)) {
                if (e->d_name[0] == '.') continue;
                std::ifstream st(base + "/task/" + e->d_name + "/status");
                std::string line;
                while (std::getline(st, line))
                    if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
                        line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
                        t.switches += std::atol(line.c_str() + line.find(':') + 1);
            }
            ::closedir(d);
        }
    }
    return t;
}

double ownCpuMs() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0;
}

long memAvailableMb() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("MemAvailable:", 0) == 0) return std::atol(line.c_str() + 13) / 1024;
    return -1;
}

long tasksOnMachine() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c, d;
    in >> a >> b >> c >> d;
    auto slash = d.find('/');
    return slash == std::string::npos ? -1 : std::atol(d.c_str() + slash + 1);
}

}  // namespace conn_load
