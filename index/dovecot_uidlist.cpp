#include "index/dovecot_uidlist.h"

#include <charconv>

#include "index/file_util.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "dovecot-uidlist";

bool parseNumber(std::string_view s, std::uint32_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> splitSpaces(std::string_view line) {
    std::vector<std::string_view> out;
    for (size_t i = 0; i < line.size();) {
        while (i < line.size() && line[i] == ' ')
            ++i;
        size_t j = line.find(' ', i);
        if (j == std::string_view::npos) j = line.size();
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

// maildir_uidlist_read_header: "<version> ..." with version 1 ("1 <uidv> <next>") or 3
// (fields V, N, G and others, in any order).
bool parseHeader(std::string_view line, DovecotUidList& list, const Warnings& warn) {
    auto fields = splitSpaces(line);
    std::uint32_t version = 0;
    if (fields.empty() || !parseNumber(fields[0], version) || (version != 1 && version != 3)) {
        warn("unusable header " + quoteForWarning(line) + ": not version 1 or 3");
        return false;
    }
    list.version = version;
    bool haveNext = false;
    if (version == 1) {
        if (fields.size() < 3 || !parseNumber(fields[1], list.uidValidity) ||
            !parseNumber(fields[2], list.nextUid)) {
            warn("unusable header " + quoteForWarning(line) + ": not '1 <uidvalidity> <next uid>'");
            return false;
        }
        haveNext = true;
    } else {
        for (size_t i = 1; i < fields.size(); ++i) {
            char key = fields[i][0];
            std::string_view value = fields[i].substr(1);
            if (key == 'V') {
                if (!parseNumber(value, list.uidValidity))
                    warn("header field " + quoteForWarning(fields[i]) + " is not a number");
            } else if (key == 'N') {
                haveNext = parseNumber(value, list.nextUid);
                if (!haveNext)
                    warn("header field " + quoteForWarning(fields[i]) + " is not a number");
            } else if (key == 'G') {
                list.mailboxGuid = std::string(value);
            } else {
                list.headerFields[key] = std::string(value);
            }
        }
    }
    if (list.uidValidity == 0) {
        warn("unusable header " + quoteForWarning(line) + ": no UIDVALIDITY");
        return false;
    }
    if (!haveNext || list.nextUid == 0) {
        warn("header " + quoteForWarning(line) + " has no next UID; using the listed UIDs");
        list.nextUid = 1;
    }
    return true;
}

// One entry line (maildir_uidlist_next and _read_extended); nullopt when unusable.
std::optional<DovecotUidListEntry> parseEntry(std::string_view line, unsigned version,
                                              size_t lineNumber, const Warnings& warn) {
    DovecotUidListEntry e;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || !parseNumber(line.substr(0, sp), e.uid) || e.uid == 0 ||
        e.uid == UINT32_MAX) {
        warn.line(lineNumber, "does not start with '<uid> ', skipped: " + quoteForWarning(line));
        return std::nullopt;
    }
    size_t pos = sp;
    while (pos < line.size() && line[pos] == ' ')
        ++pos;
    if (version == 3) {
        while (pos < line.size() && line[pos] != ':') {
            size_t end = line.find(' ', pos);
            if (end == std::string_view::npos) end = line.size();
            std::string_view field = line.substr(pos, end - pos);
            if (field[0] >= 'A' && field[0] <= 'Z')
                e.fields[field[0]] = std::string(field.substr(1));
            else
                warn.line(lineNumber,
                          "has the invalid field " + quoteForWarning(field) + "; dropped");
            pos = end;
            while (pos < line.size() && line[pos] == ' ')
                ++pos;
        }
        if (pos >= line.size()) {
            warn.line(lineNumber, "has no ':<file name>', skipped: " + quoteForWarning(line));
            return std::nullopt;
        }
        ++pos;  // the ':' before the file name
    }
    e.fileName = std::string(line.substr(pos));
    if (e.fileName.empty() || e.fileName[0] == ':' || e.fileName.find('/') != std::string::npos) {
        warn.line(lineNumber, "has no usable file name, skipped: " + quoteForWarning(line));
        return std::nullopt;
    }
    return e;
}
}  // namespace

std::unordered_map<std::string, std::uint32_t> DovecotUidList::byBase() const {
    std::unordered_map<std::string, std::uint32_t> map;
    map.reserve(entries.size());
    for (const auto& e : entries)
        map.emplace(e.base(), e.uid);
    return map;
}

std::optional<DovecotUidList> parseDovecotUidList(std::string_view text,
                                                  std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    LineReader lines(text);
    std::string_view line;
    DovecotUidList list;
    if (!lines.next(line) || !parseHeader(line, list, warn)) return std::nullopt;

    std::map<std::uint32_t, DovecotUidListEntry> byUid;
    std::unordered_map<std::string, std::uint32_t> uidOfBase;
    std::uint32_t previous = 0;
    bool unorderedReported = false;
    while (lines.next(line)) {
        if (line.empty()) continue;
        auto e = parseEntry(line, list.version, lines.lineNumber(), warn);
        if (!e) continue;
        if (byUid.count(e->uid)) {
            warn.line(lines.lineNumber(), "repeats UID " + std::to_string(e->uid) + ", skipped");
            continue;
        }
        if (e->uid < previous && !unorderedReported) {
            warn.line(lines.lineNumber(), "lists UID " + std::to_string(e->uid) + " after " +
                                              std::to_string(previous) +
                                              "; the list is not in UID order");
            unorderedReported = true;
        }
        previous = e->uid;
        // A file listed again under another UID (moved back after an expunge, then
        // appended): Dovecot drops the old UID and keeps the new one.
        std::string base = e->base();
        auto [it, inserted] = uidOfBase.try_emplace(base, e->uid);
        if (!inserted) {
            warn.line(lines.lineNumber(), "lists " + quoteForWarning(base) + " again (UID " +
                                              std::to_string(it->second) + " -> " +
                                              std::to_string(e->uid) + "); the later UID wins");
            byUid.erase(it->second);
            it->second = e->uid;
        }
        byUid.emplace(e->uid, std::move(*e));
    }

    // A header N at or below a listed UID is normal for Dovecot (see the header comment),
    // not damage: no warning.
    for (auto& [uid, e] : byUid) {
        if (uid >= list.nextUid) list.nextUid = uid + 1;
        list.entries.push_back(std::move(e));
    }
    return list;
}

std::optional<DovecotUidList> readDovecotUidList(const std::filesystem::path& folderDir,
                                                 std::vector<std::string>* warnings) {
    auto text = readFileIfExists(folderDir / kFileName);
    if (!text) return std::nullopt;
    return parseDovecotUidList(*text, warnings);
}

}  // namespace maildex::index
