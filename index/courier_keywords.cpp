#include "index/courier_keywords.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <unordered_map>

#include "index/error.h"
#include "index/file_modes.h"
#include "index/file_util.h"
#include "index/keyword_table.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {
constexpr const char* kDirName = "courierimapkeywords";  // maildirwatch.h KEYWORDDIR
constexpr const char* kListName = ":list";
// Courier re-reads the whole directory when an update file vanishes between the listing
// and the read (a concurrent reader renamed it); we try a few times, then go with what we
// have and say so.
constexpr int kReadAttempts = 5;

struct DirEntry {
    std::string name;
    std::uint64_t inode;
};

// All entries, dot-names included (listDirectory() skips them, but ".N." files are the
// point here). A missing directory is an empty one.
std::vector<DirEntry> listEntries(const std::filesystem::path& dir) {
    std::vector<DirEntry> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) return out;
        throwIo("Cannot list", dir.string(), errno);
    }
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        out.push_back({std::string(name), static_cast<std::uint64_t>(e->d_ino)});
    }
    ::closedir(d);
    return out;
}

// What an entry of the directory is, by name (maildirkeywords2.c scan_updates): ":..."
// is :list (or Courier's own), ".tmp.<...>" a scratch file, ".<N>.<base>" a merged
// update, anything else a pending update named after the message.
std::optional<CourierKeywordUpdateFile> classify(const DirEntry& entry, const Warnings& warn) {
    std::string_view name = entry.name;
    if (name.empty() || name[0] == ':' || name.starts_with(".tmp.")) return std::nullopt;
    CourierKeywordUpdateFile f;
    f.fileName = entry.name;
    f.inode = entry.inode;
    if (name[0] == '.') {
        size_t dot = name.find('.', 1);
        std::string_view digits =
            name.substr(1, dot == std::string_view::npos ? std::string_view::npos : dot - 1);
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), f.n);
        if (dot == std::string_view::npos || digits.empty() || ec != std::errc() ||
            p != digits.data() + digits.size() || f.n == 0 || dot + 1 == name.size()) {
            warn("ignored " + quoteForWarning(name) + ": not '.<N>.<file name>'");
            return std::nullopt;
        }
        f.base = std::string(name.substr(dot + 1));
    } else {
        f.base = entry.name;
    }
    // Update files are named after base names, which never contain ':' (Courier would
    // look for the file without the ":..." tail and never find it).
    if (f.base.find(':') != std::string::npos) {
        warn("ignored " + quoteForWarning(name) + ": an update file name has no ':'");
        return std::nullopt;
    }
    return f;
}

// atoi() as Courier applies it to each index on a :list line: leading blanks, a sign,
// the digits up to the first other character; no digits reads as 0. Returns -1 for a
// negative or absurdly large value (never a valid index).
long long courierAtoi(std::string_view token, bool& clean) {
    size_t i = 0;
    while (i < token.size() && (token[i] == '\t' || token[i] == '\v' || token[i] == '\f' ||
                                token[i] == '\r' || token[i] == ' '))
        ++i;
    bool negative = false;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) negative = token[i++] == '-';
    long long value = 0;
    size_t digits = 0;
    for (; i < token.size() && token[i] >= '0' && token[i] <= '9'; ++i, ++digits)
        if (value < (1LL << 40)) value = value * 10 + (token[i] - '0');
    clean = digits > 0 && i == token.size() && !negative;
    if (negative && value != 0) return -1;
    return value;
}

void checkBase(std::string_view base) {
    if (base.empty() || base[0] == '.' ||
        base.find_first_of(std::string_view("/:\n\0", 4)) != std::string_view::npos)
        throw Error(ErrorKind::InvalidName, "Cannot keep keywords for the file name " +
                                                quoteForWarning(base) + " in " + kDirName);
}

void checkKeyword(std::string_view name) {
    if (name.empty() || name.find_first_of(std::string_view("\n\0", 2)) != std::string_view::npos)
        throw Error(ErrorKind::InvalidName,
                    "Cannot store the keyword " + quoteForWarning(name) + " in " + kDirName);
}

// Courier creates the directory with the folder's permissions (doReadKeywords2).
void ensureKeywordDir(const std::filesystem::path& folderDir) {
    auto dir = folderDir / kDirName;
    if (::mkdir(dir.c_str(), newFolderMode()) == 0) {
        struct stat st;
        if (::stat(folderDir.c_str(), &st) == 0) ::chmod(dir.c_str(), st.st_mode & 0777);
    } else if (errno != EEXIST) {
        throwIo("Cannot create", dir.string(), errno);
    }
}

// One pass of the merge; false when a winning update file vanished before it was read.
bool readOnce(const std::filesystem::path& dir, bool lastAttempt, CourierKeywords& out,
              std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    out = CourierKeywords{};
    if (auto list = readFileIfExists(dir / kListName)) {
        std::vector<std::string> listWarnings;
        out.byBase = parseCourierKeywordList(*list, &listWarnings);
        for (auto& w : listWarnings)
            warn(std::string(kListName) + ": " + w);
    }

    // The newest update per message: a pending plain file beats every ".N." file,
    // otherwise the largest N (scan_updates / read_updates).
    std::unordered_map<std::string, size_t> winner;  // base → index into updateFiles
    for (const auto& entry : listEntries(dir)) {
        auto f = classify(entry, warn);
        if (!f) continue;
        out.updateFiles.push_back(std::move(*f));
        const auto& added = out.updateFiles.back();
        auto [it, inserted] = winner.try_emplace(added.base, out.updateFiles.size() - 1);
        if (inserted) continue;
        const auto& current = out.updateFiles[it->second];
        if (current.pending()) continue;
        if (added.pending() || added.n > current.n) it->second = out.updateFiles.size() - 1;
    }

    for (const auto& [base, index] : winner) {
        const auto& f = out.updateFiles[index];
        auto text = readFileIfExists(dir / f.fileName);
        if (!text) {
            if (!lastAttempt) return false;
            warn(quoteForWarning(f.fileName) + " vanished while being read; skipped");
            continue;
        }
        std::vector<std::string> fileWarnings;
        auto names = parseCourierKeywordUpdate(*text, &fileWarnings);
        for (auto& w : fileWarnings)
            warn(f.fileName + ": " + w);
        // The winning file's content replaces the set from :list; empty clears it.
        if (names.empty())
            out.byBase.erase(base);
        else
            out.byBase[base] = std::move(names);
    }
    return true;
}
}  // namespace

std::string sanitizeCourierKeyword(std::string_view name) {
    // imapd.c KEYWORD_IMAPVERBOTTEN " (){%*\"\\]" applied by libmail_kweFind, plus the
    // other bytes <= 0x20 that STORE rejects (spec section 4).
    std::string out(name);
    for (char& c : out) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= 0x20 || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' ||
            c == '\\' || c == ']')
            c = '_';
    }
    return out;
}

CourierKeywordMap parseCourierKeywordList(std::string_view text,
                                          std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    LineReader lines(text);
    std::string_view line;

    // The names section ends at the first empty line (maildir_kwImport).
    std::vector<std::string> names;
    bool ended = false;
    while (lines.next(line)) {
        if (line.empty()) {
            ended = true;
            break;
        }
        names.push_back(sanitizeCourierKeyword(line));
    }
    CourierKeywordMap out;
    if (!ended) {
        if (!names.empty())
            warn(
                "no empty line after the keyword names (truncated file?): no message has "
                "keywords");
        return out;
    }

    while (lines.next(line)) {
        if (line.empty()) continue;
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            warn.line(lines.lineNumber(),
                      "is not '<file name>:<index> ...', skipped: " + quoteForWarning(line));
            continue;
        }
        auto [it, inserted] = out.try_emplace(std::string(line.substr(0, colon)));
        if (!inserted) {
            // Courier drops what an earlier line set and takes this line's indexes.
            warn.line(lines.lineNumber(), "repeats the file name " + quoteForWarning(it->first) +
                                              "; the later line wins");
            it->second.clear();
        }
        std::string_view rest = line.substr(colon + 1);
        while (!rest.empty()) {
            size_t sp = rest.find(' ');
            std::string_view token = rest.substr(0, sp);
            rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
            if (token.empty()) continue;
            bool clean = false;
            long long index = courierAtoi(token, clean);
            if (index < 0 || static_cast<unsigned long long>(index) >= names.size()) {
                warn.line(lines.lineNumber(), "has index " + quoteForWarning(token) +
                                                  " beyond the " + std::to_string(names.size()) +
                                                  " keyword names, ignored");
                continue;
            }
            if (!clean)
                warn.line(lines.lineNumber(), "has index " + quoteForWarning(token) + ", read as " +
                                                  std::to_string(index) + " as Courier does");
            it->second.insert(names[static_cast<size_t>(index)]);
        }
    }
    std::erase_if(out, [](const auto& entry) { return entry.second.empty(); });
    return out;
}

std::set<std::string> parseCourierKeywordUpdate(std::string_view text,
                                                std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    LineReader lines(text);
    std::string_view line;
    std::set<std::string> names;
    while (lines.next(line)) {
        if (line.empty()) {
            // Courier stops at the first empty line (read_updates); say so if it hides
            // something.
            std::string_view after;
            while (lines.next(after))
                if (!after.empty()) {
                    warn.line(lines.lineNumber(), "comes after an empty line and is ignored: " +
                                                      quoteForWarning(after));
                    break;
                }
            break;
        }
        names.insert(sanitizeCourierKeyword(line));
    }
    return names;
}

CourierKeywords readCourierKeywords(const std::filesystem::path& folderDir,
                                    std::vector<std::string>* warnings) {
    auto dir = folderDir / kDirName;
    CourierKeywords out;
    for (int attempt = 1;; ++attempt) {
        std::vector<std::string> attemptWarnings;
        if (readOnce(dir, attempt == kReadAttempts, out, &attemptWarnings)) {
            if (warnings)
                warnings->insert(warnings->end(), attemptWarnings.begin(), attemptWarnings.end());
            return out;
        }
    }
}

CourierKeywordMap foldCourierKeywordCase(const CourierKeywordMap& keywords,
                                         const std::vector<std::string>& basesInUidOrder) {
    std::unordered_map<std::string, std::string> spelling;  // folded → first spelling met
    CourierKeywordMap out;
    for (const auto& base : basesInUidOrder) {
        auto it = keywords.find(base);
        if (it == keywords.end()) continue;
        std::set<std::string> names;
        for (const auto& name : it->second)
            names.insert(spelling.try_emplace(foldKeyword(name), name).first->second);
        if (!names.empty()) out.insert_or_assign(base, std::move(names));
    }
    return out;
}

void writeCourierKeywords(const std::filesystem::path& folderDir, const CourierKeywordMap& keywords,
                          const std::vector<CourierKeywordUpdateFile>& merged) {
    std::map<std::string, size_t> index;  // name → position in the names section
    for (const auto& [base, names] : keywords) {
        if (names.empty()) continue;
        checkBase(base);
        for (const auto& name : names) {
            checkKeyword(name);
            index.emplace(name, 0);
        }
    }
    auto dir = folderDir / kDirName;
    auto listPath = dir / kListName;
    if (index.empty()) {
        // Courier deletes :list when no message has a keyword (save_updated_keywords).
        if (::unlink(listPath.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR)
            throwIo("Cannot remove", listPath.string(), errno);
    } else {
        // Names in byte order (any order is valid: indexes are positions in this file);
        // each message's indexes follow its names in byte order, as Courier writes them.
        std::string text;
        size_t position = 0;
        for (auto& [name, pos] : index) {
            pos = position++;
            text += name;
            text += '\n';
        }
        text += '\n';
        for (const auto& [base, names] : keywords) {
            if (names.empty()) continue;
            text += base;
            text += ':';
            bool first = true;
            for (const auto& name : names) {
                if (!first) text += ' ';
                first = false;
                text += std::to_string(index.at(name));
            }
            text += '\n';
        }
        ensureKeywordDir(folderDir);
        writeFileAtomically(folderDir, std::string(kDirName) + "/" + kListName, text);
    }

    // Only now that :list holds their content may the update files go: a crash before
    // this point leaves them in place, where they still win with the same content.
    //
    // Courier renames a merged plain file to ".<T+1>.<base>" instead of deleting it.
    // For a reader following the merge rule that is the same as deleting it: the newest
    // update file replaces the :list entry, and both say the same thing. Courier keeps
    // the file because a STORE may have renamed a newer update over the plain name after
    // Courier read it; renaming keeps that newer content winning. We get the same safety
    // by removing a file only while it is still the one the caller read (same inode), and
    // by never touching update files the caller has not read.
    for (const auto& f : merged) {
        auto path = dir / f.fileName;
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0) continue;  // already gone
        if (static_cast<std::uint64_t>(st.st_ino) != f.inode) continue;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            throwIo("Cannot remove", path.string(), errno);
    }
}

std::vector<CourierKeywordUpdateFile> listCourierKeywordUpdates(
    const std::filesystem::path& folderDir) {
    std::vector<CourierKeywordUpdateFile> all;
    Warnings none(nullptr);
    for (const auto& entry : listEntries(folderDir / kDirName))
        if (auto f = classify(entry, none)) all.push_back(std::move(*f));
    return all;
}

void writeCourierKeywords(const std::filesystem::path& folderDir,
                          const CourierKeywordMap& keywords) {
    writeCourierKeywords(folderDir, keywords, listCourierKeywordUpdates(folderDir));
}

void writeCourierKeywordUpdate(const std::filesystem::path& folderDir, std::string_view base,
                               const std::set<std::string>& names) {
    checkBase(base);
    std::string text;
    for (const auto& name : names) {
        checkKeyword(name);
        text += name;
        text += '\n';
    }
    ensureKeywordDir(folderDir);
    writeFileAtomically(folderDir, std::string(kDirName) + "/" + std::string(base), text);
}

}  // namespace maildex::index
