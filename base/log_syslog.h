#pragma once
// MAILDEX_LOG=syslog: the log's lines go to syslog(3), under the facility
// MAILDEX_LOG_FACILITY names (mail by default, where Courier logs). A line is escaped by
// log::write before it gets here, so it stays one line there too.

#include <optional>
#include <string_view>

#include "base/log.h"

namespace maildex::log {

// LOG_MAIL for "mail", and so on for daemon, user, auth, authpriv, local0 ... local7.
std::optional<int> syslogFacility(std::string_view name);

// A sink for setSink(): opens the connection to syslog as `ident` with the process id.
Sink syslogSink(const char* ident, int facility);

}  // namespace maildex::log
