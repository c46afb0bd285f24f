#pragma once
// maildexd --check-config, as nginx -t and doveconf -n: reads the configuration as the
// server would, prints every setting in effect with where it came from, and tries what
// the server would try at start without binding a port (the certificates, the user
// database, MAILDEX_USER). Exit 0 when the server would start, 2 when it would not.

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/server_config.h"

namespace maildex::app {

// What the server says at start about a Courier configuration, one sentence each: the
// Courier keys understood but not applied, with why (core/courier_settings.h), and the
// IMAP_CAPABILITY names Maildex cannot offer. `say(warning, text)`.
void reportCourierSettings(const core::ConfigSource& source, const core::ServerConfig& config,
                           const std::function<void(bool, const std::string&)>& say);

// Settings go to `out` (they read back as a configuration file); findings to `err`.
int checkConfig(const std::vector<std::string>& files, const std::vector<std::string>& sets,
                std::ostream& out, std::ostream& err);

}  // namespace maildex::app
