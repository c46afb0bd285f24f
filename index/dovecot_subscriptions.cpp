#include "index/dovecot_subscriptions.h"

#include <set>

#include "index/file_util.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "subscriptions";
constexpr std::string_view kVersion2Header = "V\t2\n\n";

// str_append_tabunescaped.
std::string tabUnescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\001') {
            out += s[i];
            continue;
        }
        if (++i == s.size()) break;
        switch (s[i]) {
            case '0':
                out += '\0';
                break;
            case '1':
                out += '\001';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            default:
                out += s[i];
                break;
        }
    }
    return out;
}

DovecotMailboxName split(std::string_view line, char separator, bool unescape) {
    DovecotMailboxName levels;
    for (;;) {
        size_t at = line.find(separator);
        std::string_view level = line.substr(0, at);
        levels.push_back(unescape ? tabUnescape(level) : std::string(level));
        if (at == std::string_view::npos) break;
        line.remove_prefix(at + 1);
    }
    return levels;
}
}  // namespace

std::vector<DovecotMailboxName> parseDovecotSubscriptions(std::string_view text, char separator,
                                                          std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    // subsfile_list_read_header: version 2 only when the file starts with the exact header.
    bool version2 = text.starts_with(kVersion2Header);
    if (version2) text.remove_prefix(kVersion2Header.size());
    LineReader lines(text);
    std::string_view line;
    std::vector<DovecotMailboxName> out;
    std::set<DovecotMailboxName> seen;
    while (lines.next(line)) {
        if (line.empty()) continue;
        if (!version2 && lines.lineNumber() == 1 && line.starts_with("V\t")) {
            warn("unknown header " + quoteForWarning(line) + "; reading names as version 1");
            continue;
        }
        auto name = version2 ? split(line, '\t', true) : split(line, separator, false);
        if (!seen.insert(name).second) {
            warn.line(lines.lineNumber() + (version2 ? 2 : 0), "repeats " + quoteForWarning(line));
            continue;
        }
        out.push_back(std::move(name));
    }
    return out;
}

std::vector<DovecotMailboxName> readDovecotSubscriptions(const std::filesystem::path& maildirRoot,
                                                         char separator,
                                                         std::vector<std::string>* warnings) {
    auto text = readFileIfExists(maildirRoot / kFileName);
    if (!text) return {};
    return parseDovecotSubscriptions(*text, separator, warnings);
}

}  // namespace maildex::index
