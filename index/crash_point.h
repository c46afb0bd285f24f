#pragma once
// Named points in the writing operations where a test can make the process die at once
// (_exit, no cleanup), to check that what recovery finds afterwards is consistent and
// that no message is lost. Set by tests (tests/support/index_helper --crash-at NAME);
// in normal operation the check is one comparison with an empty name.
//
// "throw:NAME" makes the point fail instead of dying: it throws Error(Io), as a full disk
// or an SQLite error would at that moment, so a test can check the failure path (what a
// writer puts back before its transaction rolls back).

#include <string>

namespace maildex::index {

void setCrashPoint(std::string name);
// Dies with exit status 86 when `name` is the configured crash point; throws Error(Io)
// when the configured point is "throw:" + name.
void crashPoint(const char* name);

}  // namespace maildex::index
