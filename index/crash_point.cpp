#include "index/crash_point.h"

#include <unistd.h>

namespace maildex::index {

namespace {
std::string& configured() {
    static std::string name;
    return name;
}
}  // namespace

void setCrashPoint(std::string name) {
    configured() = std::move(name);
}

void crashPoint(const char* name) {
    if (!configured().empty() && configured() == name) ::_exit(86);
}

}  // namespace maildex::index
