#include "base/log_syslog.h"

#include <syslog.h>

#include <string>

namespace maildex::log {

std::optional<int> syslogFacility(std::string_view name) {
    static constexpr std::pair<std::string_view, int> kFacilities[] = {
        {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON},     {"user", LOG_USER},
        {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"local0", LOG_LOCAL0},
        {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},     {"local3", LOG_LOCAL3},
        {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},     {"local6", LOG_LOCAL6},
        {"local7", LOG_LOCAL7},
    };
    for (const auto& [n, f] : kFacilities)
        if (n == name) return f;
    return std::nullopt;
}

Sink syslogSink(const char* ident, int facility) {
    ::openlog(ident, LOG_PID | LOG_NDELAY, facility);
    return [](Level level, std::string_view line) {
        int priority = level == Level::Debug  ? LOG_DEBUG
                       : level == Level::Info ? LOG_INFO
                       : level == Level::Warn ? LOG_WARNING
                                              : LOG_ERR;
        // syslog() wants a C string; the line holds no NUL (escape() wrote it as \x00).
        std::string text(line);
        ::syslog(priority, "%s", text.c_str());
    };
}

}  // namespace maildex::log
