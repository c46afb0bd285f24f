#pragma once
// maildexd --check-config, as nginx -t and doveconf -n: reads the configuration as the
// server would, prints every setting in effect with where it came from, and tries what
// the server would try at start without binding a port (the certificates, the user
// database, MAILDEX_USER). Exit 0 when the server would start, 2 when it would not.

#include <iosfwd>
#include <string>
#include <vector>

namespace maildex::app {

// Settings go to `out` (they read back as a configuration file); findings to `err`.
int checkConfig(const std::vector<std::string>& files, const std::vector<std::string>& sets,
                std::ostream& out, std::ostream& err);

}  // namespace maildex::app
