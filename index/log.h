#pragma once
// A minimal process-wide log. Every layer writes through it; the application decides
// where lines go (stderr by default; stdin/stdout mode must keep stdout for IMAP).

#include <functional>
#include <string>
#include <string_view>

namespace maildex::log {

enum class Level { Debug, Info, Warn, Error };

using Sink = std::function<void(Level, std::string_view)>;
void setSink(Sink sink);
void setMinimumLevel(Level level);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) {
    write(Level::Debug, m);
}
inline void info(std::string_view m) {
    write(Level::Info, m);
}
inline void warn(std::string_view m) {
    write(Level::Warn, m);
}
inline void error(std::string_view m) {
    write(Level::Error, m);
}

}  // namespace maildex::log
