#include "index/maildir_settings.h"

#include <unistd.h>

#include <cerrno>

#include "index/error.h"
#include "index/file_util.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {

std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                out += c;
        }
    }
    return out;
}

bool unescape(std::string_view s, std::string& out) {
    out.clear();
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        if (++i == s.size()) return false;
        switch (s[i]) {
            case '\\':
                out += '\\';
                break;
            case 't':
                out += '\t';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            default:
                return false;
        }
    }
    return true;
}

}  // namespace

MaildirSettings parseMaildirSettings(std::string_view text, std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    MaildirSettings out;
    LineReader lines(text);
    std::string_view line;
    while (lines.next(line)) {
        if (line.empty() || line[0] == '#') continue;
        auto tab = line.find('\t');
        std::string key, value;
        if (tab == std::string_view::npos || tab == 0 || !unescape(line.substr(0, tab), key) ||
            !unescape(line.substr(tab + 1), value)) {
            warn.line(lines.lineNumber(),
                      "is not '<key><TAB><value>', skipped: " + quoteForWarning(line));
            continue;
        }
        out[key] = value;
    }
    return out;
}

std::string formatMaildirSettings(const MaildirSettings& settings) {
    std::string text =
        "# Maildex settings of this Maildir (kept with it so a rebuilt index finds them).\n";
    for (const auto& [key, value] : settings)
        text += escape(key) + "\t" + escape(value) + "\n";
    return text;
}

MaildirSettings readMaildirSettings(const std::filesystem::path& maildirRoot,
                                    std::vector<std::string>* warnings) {
    auto text = readFileIfExists(maildirRoot / kMaildirSettingsFile);
    if (!text) return {};
    return parseMaildirSettings(*text, warnings);
}

void writeMaildirSettings(const std::filesystem::path& maildirRoot,
                          const MaildirSettings& settings) {
    if (settings.empty()) {
        auto path = maildirRoot / kMaildirSettingsFile;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            throwIo("Cannot remove", path.string(), errno);
        return;
    }
    writeFileAtomically(maildirRoot, kMaildirSettingsFile, formatMaildirSettings(settings));
}

}  // namespace maildex::index
