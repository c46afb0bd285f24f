#pragma once
// A minimal process-wide log. Every layer writes through it; the application decides
// where lines go (stderr by default; stdin/stdout mode must keep stdout for IMAP).
//
// One message is one line, whatever it carries: user names, mailbox names, ID fields and
// other text a client chose reach messages as they are, and write() escapes them here, in
// one place, so no caller can forget (design.md: "Nothing a client sends reaches a log
// line unescaped"). See escape().

#include <functional>
#include <string>
#include <string_view>

namespace maildex::log {

enum class Level { Debug, Info, Warn, Error };

using Sink = std::function<void(Level, std::string_view)>;
void setSink(Sink sink);
void setMinimumLevel(Level level);

// What write() makes of a message: control characters (C0, DEL, and C1 such as U+009B, a
// terminal's CSI), the Unicode line and paragraph separators and the bidirectional
// overrides (which reorder what a reader sees) become \xNN per byte; so does every byte
// that is not part of well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates).
// So a name with CR LF cannot start a forged line, and a NUL cannot cut one short.
// Backslashes stay as they are (some messages quote text already escaped the same way,
// e.g. the user database's warnings): "\x0a" in a line may have been sent as those four
// characters, but it is never a line break.
std::string escape(std::string_view message);

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
