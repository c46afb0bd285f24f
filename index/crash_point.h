#pragma once
// Named points in the writing operations where a test can make the process die at once
// (_exit, no cleanup), to check that what recovery finds afterwards is consistent and
// that no message is lost. Set by tests (tests/support/index_helper --crash-at NAME);
// in normal operation the check is one comparison with an empty name.

#include <string>

namespace maildex::index {

void setCrashPoint(std::string name);
// Dies with exit status 86 when `name` is the configured crash point.
void crashPoint(const char* name);

}  // namespace maildex::index
