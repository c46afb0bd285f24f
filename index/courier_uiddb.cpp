#include "index/courier_uiddb.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "index/error.h"
#include "index/file_util.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "courierimapuiddb";

bool parseNumber(std::string_view s, std::uint32_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::unordered_map<std::string, std::uint32_t> CourierUidDb::byBase() const {
    std::unordered_map<std::string, std::uint32_t> map;
    map.reserve(entries.size());
    for (const auto& [uid, base] : entries)
        map.emplace(base, uid);
    return map;
}

std::optional<CourierUidDb> parseCourierUidDb(std::string_view text,
                                              std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    size_t pos = 0;
    auto nextLine = [&](std::string_view& line) {
        if (pos >= text.size()) return false;
        size_t nl = text.find('\n', pos);
        line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        return true;
    };
    std::string_view line;
    if (!nextLine(line)) return std::nullopt;
    // Header: "<version> <uidvalidity> <nextuid>".
    std::vector<std::string_view> fields;
    for (size_t i = 0; i < line.size();) {
        while (i < line.size() && line[i] == ' ')
            ++i;
        size_t j = line.find(' ', i);
        if (j == std::string_view::npos) j = line.size();
        if (j > i) fields.push_back(line.substr(i, j - i));
        i = j;
    }
    CourierUidDb db;
    std::uint32_t version = 0;
    if (fields.size() != 3 || !parseNumber(fields[0], version) || version != 1 ||
        !parseNumber(fields[1], db.uidValidity) || !parseNumber(fields[2], db.nextUid)) {
        warn("unusable header line '" + std::string(line) + "'");
        return std::nullopt;
    }
    std::uint32_t maxUid = 0;
    size_t lineNo = 1;
    while (nextLine(line)) {
        ++lineNo;
        if (line.empty()) continue;
        size_t sp = line.find(' ');
        std::uint32_t uid = 0;
        if (sp == std::string_view::npos || !parseNumber(line.substr(0, sp), uid) || uid == 0) {
            warn("line " + std::to_string(lineNo) + " is not '<uid> <file name>', skipped");
            continue;
        }
        std::string_view base = line.substr(sp + 1);
        base = base.substr(0, base.find(':'));
        if (base.empty()) {
            warn("line " + std::to_string(lineNo) + " has no file name, skipped");
            continue;
        }
        db.entries.emplace_back(uid, std::string(base));
        maxUid = std::max(maxUid, uid);
    }
    if (maxUid >= db.nextUid) {
        warn("next UID " + std::to_string(db.nextUid) + " in the header is not above UID " +
             std::to_string(maxUid) + "; using " + std::to_string(maxUid + 1));
        db.nextUid = maxUid + 1;
    }
    return db;
}

std::optional<CourierUidDb> readCourierUidDb(const std::filesystem::path& folderDir,
                                             std::vector<std::string>* warnings) {
    auto text = readFileIfExists(folderDir / kFileName);
    if (!text) return std::nullopt;
    return parseCourierUidDb(*text, warnings);
}

bool appendCourierUidDb(const std::filesystem::path& folderDir, std::uint32_t uidValidity,
                        std::uint32_t nextUid,
                        const std::vector<std::pair<std::uint32_t, std::string>>& entries) {
    auto path = folderDir / kFileName;
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    char head[64];
    ssize_t n = ::pread(fd, head, sizeof head, 0);
    if (n <= 0) return false;
    std::string_view header(head, static_cast<size_t>(n));
    size_t nl = header.find('\n');
    if (nl == std::string_view::npos) return false;
    header = header.substr(0, nl);
    size_t sp1 = header.find(' '), sp2 = header.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return false;
    std::uint32_t validity = 0, oldNext = 0;
    if (header.substr(0, sp1) != "1" ||
        !parseNumber(header.substr(sp1 + 1, sp2 - sp1 - 1), validity) ||
        !parseNumber(header.substr(sp2 + 1), oldNext) || validity != uidValidity)
        return false;
    std::string next = std::to_string(nextUid);
    if (next.size() != header.size() - sp2 - 1) return false;
    struct stat st;
    char last = 0;
    if (::fstat(fd, &st) != 0 || st.st_size == 0 || ::pread(fd, &last, 1, st.st_size - 1) != 1 ||
        last != '\n')
        return false;
    std::string lines;
    for (const auto& [uid, base] : entries)
        lines += std::to_string(uid) + " " + base + "\n";
    if (::pwrite(fd, next.data(), next.size(), static_cast<off_t>(sp2 + 1)) !=
        static_cast<ssize_t>(next.size()))
        return false;
    if (::pwrite(fd, lines.data(), lines.size(), st.st_size) != static_cast<ssize_t>(lines.size()))
        return false;
    return true;
}

void writeCourierUidDb(const std::filesystem::path& folderDir, const CourierUidDb& db) {
    std::string text =
        "1 " + std::to_string(db.uidValidity) + " " + std::to_string(db.nextUid) + "\n";
    text.reserve(text.size() + db.entries.size() * 64);
    for (const auto& [uid, base] : db.entries) {
        text += std::to_string(uid);
        text += ' ';
        text += base;
        text += '\n';
    }
    writeFileAtomically(folderDir, kFileName, text);
}

}  // namespace maildex::index
