#include "index/courier_quota.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "index/error.h"
#include "index/file_util.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "maildirsize";
// Courier reads at most this much; a file that fills the buffer is recalculated.
constexpr std::size_t kMaxSize = 5120;

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// A message's size from its name (maildirparsequota.c maildir_parsequota): the digits
// after the last ",S=" before the ':' info part.
std::optional<std::uint64_t> sizeFromName(std::string_view name) {
    std::string_view base = name.substr(0, name.find(':'));
    size_t at = base.rfind(",S=");
    if (at == std::string_view::npos) return std::nullopt;
    std::uint64_t size = 0;
    for (size_t i = at + 3; i < base.size() && isDigit(base[i]); ++i)
        size = size * 10 + static_cast<std::uint64_t>(base[i] - '0');
    return size;
}

// maildirquota_countfile: a message flagged T (info ":2," then capitals including T)
// does not count.
bool countsTowardsQuota(std::string_view name) {
    size_t at = name.find(":2,");
    if (at == std::string_view::npos) return true;
    for (size_t i = at + 3; i < name.size() && name[i] >= 'A' && name[i] <= 'Z'; ++i)
        if (name[i] == 'T') return false;
    return true;
}

// docount for one of cur/ and new/; a missing directory counts nothing.
void countDir(const std::filesystem::path& dir, MaildirUsage& usage) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name.empty() || name[0] == '.' || !countsTowardsQuota(name)) continue;
        std::int64_t size = 0;
        if (auto fromName = sizeFromName(name)) {
            size = static_cast<std::int64_t>(*fromName);
        } else {
            struct stat st;
            if (::stat((dir / e->d_name).c_str(), &st) != 0) continue;  // gone meanwhile
            size = st.st_size;
        }
        usage.bytes += size;
        ++usage.messages;
    }
    ::closedir(d);
}

// Parses "<spaces>[-]<digits>" at `pos`; false when there are no digits or too many.
bool parseSigned(std::string_view line, size_t& pos, std::int64_t& value) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t'))
        ++pos;
    bool negative = pos < line.size() && line[pos] == '-';
    if (negative) ++pos;
    if (pos >= line.size() || !isDigit(line[pos])) return false;
    value = 0;
    for (; pos < line.size() && isDigit(line[pos]); ++pos) {
        if (value > (INT64_MAX - 9) / 10) return false;  // no real Maildir is this big
        value = value * 10 + (line[pos] - '0');
    }
    if (negative) value = -value;
    return true;
}
}  // namespace

MaildirQuota parseMaildirQuota(std::string_view definition, std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    MaildirQuota quota;
    for (size_t i = 0; i < definition.size();) {
        if (!isDigit(definition[i])) {
            ++i;
            continue;
        }
        std::uint64_t value = 0;
        for (; i < definition.size() && isDigit(definition[i]); ++i)
            value = value * 10 + static_cast<std::uint64_t>(definition[i] - '0');
        char unit = i < definition.size() ? definition[i] : '\0';
        if (unit == 'S')
            quota.bytes = value;
        else if (unit == 'C')
            quota.messages = value;
        else
            warn("quota " + quoteForWarning(definition) + ": the number " + std::to_string(value) +
                 " has no S or C after it; ignored");
    }
    return quota;
}

bool isStrictMaildirQuota(std::string_view definition) {
    if (definition.empty()) return false;
    for (size_t i = 0; i < definition.size();) {
        size_t digits = i;
        while (i < definition.size() && isDigit(definition[i]))
            ++i;
        if (i == digits || i == definition.size() || (definition[i] != 'S' && definition[i] != 'C'))
            return false;
        ++i;
        if (i < definition.size() && (definition[i] != ',' || ++i == definition.size()))
            return false;
    }
    return true;
}

std::string formatMaildirQuota(const MaildirQuota& quota) {
    std::string out;
    if (quota.bytes > 0) out += std::to_string(quota.bytes) + "S";
    if (quota.messages > 0) {
        if (!out.empty()) out += ',';
        out += std::to_string(quota.messages) + "C";
    }
    return out;
}

MaildirSize parseMaildirSize(std::string_view text, std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    LineReader lines(text);
    std::string_view line;
    MaildirSize size;
    if (lines.next(line)) size.quota = parseMaildirQuota(line, warnings);
    while (lines.next(line)) {
        ++size.usageLines;
        // do_maildir_openquotafile: two signed numbers; a line without both adds nothing.
        size_t pos = 0;
        std::int64_t bytes = 0, count = 0;
        if (!parseSigned(line, pos, bytes) || !parseSigned(line, pos, count)) {
            warn.line(lines.lineNumber(),
                      "is not '<bytes> <messages>', ignored: " + quoteForWarning(line));
            continue;
        }
        if (line.find_first_not_of(" \t", pos) != std::string_view::npos)
            warn.line(lines.lineNumber(), "has text after the two numbers; ignored");
        size.usage.bytes += bytes;
        size.usage.messages += count;
    }
    size.needsRecalculation =
        text.size() >= kMaxSize || size.usage.bytes < 0 || size.usage.messages < 0;
    return size;
}

std::optional<MaildirSize> readMaildirSize(const std::filesystem::path& maildirRoot,
                                           std::vector<std::string>* warnings) {
    auto text = readFileIfExists(maildirRoot / kFileName);
    if (!text) return std::nullopt;
    return parseMaildirSize(*text, warnings);
}

namespace {

// Calls `visit` with the folder directories Courier's quota counts (countsubdir,
// maildirquota_countfolder): the root, and every ".<folder>" but Trash itself (its
// subfolders count); symlinks are skipped.
template <typename Visit>
void forEachCountedFolder(const std::filesystem::path& maildirRoot, std::string_view trashFolder,
                          Visit visit) {
    visit(maildirRoot);
    DIR* d = ::opendir(maildirRoot.c_str());
    if (!d) throwIo("Cannot list", maildirRoot.string(), errno);
    std::string trash = "." + std::string(trashFolder);
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name.size() < 2 || name[0] != '.' || name == ".." || name == trash) continue;
        auto dir = maildirRoot / e->d_name;
        struct stat st;
        if (::lstat(dir.c_str(), &st) != 0 || S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) continue;
        visit(dir);
    }
    ::closedir(d);
}

void noteMtime(const std::filesystem::path& dir, std::int64_t& latest) {
    latest = std::max(latest, mtimeNs(dir));
}

}  // namespace

MaildirUsage calculateMaildirUsage(const std::filesystem::path& maildirRoot,
                                   std::string_view trashFolder, std::int64_t* latestDirMtime) {
    MaildirUsage usage;
    std::int64_t latest = 0;
    forEachCountedFolder(maildirRoot, trashFolder, [&](const std::filesystem::path& folder) {
        // The mtimes first: a message that arrives while we count moves one past them.
        noteMtime(folder / "new", latest);
        noteMtime(folder / "cur", latest);
        countDir(folder / "new", usage);
        countDir(folder / "cur", usage);
    });
    if (latestDirMtime) *latestDirMtime = latest;
    return usage;
}

std::int64_t latestMaildirMtime(const std::filesystem::path& maildirRoot,
                                std::string_view trashFolder) {
    std::int64_t latest = 0;
    forEachCountedFolder(maildirRoot, trashFolder, [&](const std::filesystem::path& folder) {
        noteMtime(folder / "new", latest);
        noteMtime(folder / "cur", latest);
    });
    return latest;
}

void writeMaildirSize(const std::filesystem::path& maildirRoot, const MaildirQuota& quota,
                      const MaildirUsage& usage) {
    // doaddquota: the quota line, then "%12s %12s\n".
    char line[64];
    std::snprintf(line, sizeof line, "%12lld %12lld\n", static_cast<long long>(usage.bytes),
                  static_cast<long long>(usage.messages));
    writeFileAtomically(maildirRoot, kFileName, formatMaildirQuota(quota) + "\n" + line);
}

MaildirUsage recalculateMaildirSize(const std::filesystem::path& maildirRoot,
                                    const MaildirQuota& quota, std::string_view trashFolder) {
    MaildirUsage usage = calculateMaildirUsage(maildirRoot, trashFolder);
    writeMaildirSize(maildirRoot, quota, usage);
    return usage;
}

}  // namespace maildex::index
