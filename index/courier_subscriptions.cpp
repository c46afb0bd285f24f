#include "index/courier_subscriptions.h"

#include <set>

#include "index/error.h"
#include "index/file_util.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "courierimapsubscribed";

bool hasControl(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    return false;
}
}  // namespace

std::vector<std::string> parseCourierSubscriptions(std::string_view text,
                                                   std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    LineReader lines(text);
    std::string_view line;
    std::vector<std::string> out;
    std::set<std::string, std::less<>> seen;
    while (lines.next(line)) {
        if (!line.empty() && line.back() == '\r') {
            warn.line(lines.lineNumber(), "ends in CR; removed");
            line.remove_suffix(1);
        }
        if (line.empty()) continue;
        if (hasControl(line)) {
            warn.line(lines.lineNumber(),
                      "has control characters, not a folder name: " + quoteForWarning(line));
            continue;
        }
        if (!seen.emplace(line).second) {
            warn.line(lines.lineNumber(), "repeats " + quoteForWarning(line));
            continue;
        }
        out.emplace_back(line);
    }
    return out;
}

std::vector<std::string> readCourierSubscriptions(const std::filesystem::path& maildirRoot,
                                                  std::vector<std::string>* warnings) {
    auto text = readFileIfExists(maildirRoot / kFileName);
    if (!text) return {};
    return parseCourierSubscriptions(*text, warnings);
}

void writeCourierSubscriptions(const std::filesystem::path& maildirRoot,
                               const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
        if (name.empty() || hasControl(name))
            throw Error(ErrorKind::InvalidName,
                        "Cannot subscribe to " + quoteForWarning(name) + " in " + kFileName);
        text += name;
        text += '\n';
    }
    writeFileAtomically(maildirRoot, kFileName, text);
}

}  // namespace maildex::index
