#include "app/ctl/paragraph.h"

#include <ostream>

namespace maildex::ctl {

namespace {
// Stands for a space inside an unbroken item until the line is written. A control
// character: no folder name (core/mailbox_names.h refuses them) or summary text holds one.
constexpr char kKeptSpace = '\x1f';

bool breakable(char c) {
    return c == ' ' || c == '\n' || c == '\t';
}
}  // namespace

std::string unbroken(std::string_view item) {
    std::string out(item);
    for (char& c : out)
        if (breakable(c)) c = kKeptSpace;
    return out;
}

std::string wrapParagraph(std::string_view text, std::size_t width) {
    std::string out, line;
    std::size_t lineWidth = 0;  // in characters: a UTF-8 name counts its characters, not bytes
    auto columns = [](std::string_view s) {
        std::size_t n = 0;
        for (unsigned char c : s)
            n += (c & 0xC0) != 0x80;
        return n;
    };
    auto flush = [&] {
        if (line.empty()) return;
        for (char& c : line)
            if (c == kKeptSpace) c = ' ';
        out += line + "\n";
        line.clear();
        lineWidth = 0;
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && breakable(text[pos]))
            ++pos;
        std::size_t end = pos;
        while (end < text.size() && !breakable(text[end]))
            ++end;
        if (end == pos) break;
        std::string_view word = text.substr(pos, end - pos);
        std::size_t w = columns(word);
        if (!line.empty() && lineWidth + 1 + w > width) flush();
        if (!line.empty()) {
            line += ' ';
            ++lineWidth;
        }
        line += word;
        lineWidth += w;
        pos = end;
    }
    flush();
    return out;
}

void printParagraph(std::ostream& out, const std::string& text) {
    out << wrapParagraph(text);
}

}  // namespace maildex::ctl
