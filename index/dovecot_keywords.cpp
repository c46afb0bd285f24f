#include "index/dovecot_keywords.h"

#include <charconv>

#include "index/file_util.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "dovecot-keywords";
constexpr unsigned kMaxKeywords = 26;  // MAILDIR_MAX_KEYWORDS: letters 'a'..'z'
}  // namespace

std::vector<std::string> DovecotKeywords::namesForLetters(std::string_view letters) const {
    std::vector<std::string> names;
    for (char c : letters) {
        if (c == ',') break;  // ",<anything>" after the flag letters is not ours to read
        if (c < 'a' || c > 'z') continue;
        unsigned index = static_cast<unsigned>(c - 'a');
        auto it = byIndex.find(index);
        names.push_back(it != byIndex.end() ? it->second : "unknown-" + std::to_string(index));
    }
    return names;
}

DovecotKeywords parseDovecotKeywords(std::string_view text, std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    LineReader lines(text);
    std::string_view line;
    DovecotKeywords keywords;
    while (lines.next(line)) {
        if (line.empty()) continue;
        size_t sp = line.find(' ');
        unsigned index = 0;
        std::string_view number = line.substr(0, sp);
        auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
        if (sp == std::string_view::npos || number.empty() || ec != std::errc() ||
            p != number.data() + number.size() || index >= kMaxKeywords || sp + 1 == line.size()) {
            warn.line(lines.lineNumber(),
                      "is not '<index 0-25> <name>', ignored: " + quoteForWarning(line));
            continue;
        }
        if (keywords.byIndex.count(index))
            warn.line(lines.lineNumber(),
                      "names index " + std::to_string(index) + " again; the later line wins");
        keywords.byIndex[index] = std::string(line.substr(sp + 1));
    }
    return keywords;
}

DovecotKeywords readDovecotKeywords(const std::filesystem::path& folderDir,
                                    std::vector<std::string>* warnings) {
    auto text = readFileIfExists(folderDir / kFileName);
    if (!text) return {};
    return parseDovecotKeywords(*text, warnings);
}

}  // namespace maildex::index
