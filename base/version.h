#pragma once
// What this build is: the CMake project version, and `git describe` of the source tree
// when it was built from a git checkout (base/version.cmake writes both at build time).
// For --version and the maildex_build_info metric.

#include <string>

namespace maildex {

// "0.1.0"
const char* projectVersion();
// "v0.1.0-12-gf7ab285-dirty", or "" when the source was not a git checkout.
const char* gitRevision();
// "0.1.0 (git f7ab285-dirty)" or "0.1.0".
std::string versionText();

}  // namespace maildex
