#include "index/crash_point.h"

#include <unistd.h>

#include <string_view>

#include "index/error.h"

namespace maildex::index {

namespace {
std::string& configured() {
    static std::string name;
    return name;
}
constexpr std::string_view kThrowPrefix = "throw:";
}  // namespace

void setCrashPoint(std::string name) {
    configured() = std::move(name);
}

void crashPoint(const char* name) {
    const std::string& point = configured();
    if (point.empty()) return;
    if (point == name) ::_exit(86);
    if (point.starts_with(kThrowPrefix) &&
        point.compare(kThrowPrefix.size(), point.npos, name) == 0)
        throw Error(ErrorKind::Io, std::string("Injected failure at ") + name);
}

}  // namespace maildex::index
