#include "index/log.h"

#include <unistd.h>

#include <atomic>
#include <ctime>
#include <mutex>

namespace maildex::log {

namespace {
std::mutex mu;
Sink& sink() {
    static Sink s;
    return s;
}
std::atomic<Level> minimum{Level::Info};

const char* name(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warn";
        case Level::Error:
            return "error";
    }
    return "?";
}
}  // namespace

void setSink(Sink s) {
    std::lock_guard lock(mu);
    sink() = std::move(s);
}

void setMinimumLevel(Level level) {
    minimum = level;
}

void write(Level level, std::string_view message) {
    if (level < minimum.load()) return;
    std::lock_guard lock(mu);
    if (sink()) {
        sink()(level, message);
        return;
    }
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string line = std::string(stamp) + " " + name(level) + " " + std::string(message) + "\n";
    [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
}

}  // namespace maildex::log
