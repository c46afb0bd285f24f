#include "index/layout.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "index/error.h"
#include "index/file_modes.h"

namespace maildex::index {

namespace {

bool validUtf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        unsigned cp = len == 1 ? c : c & (0x7f >> len);
        for (size_t k = 1; k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += len;
    }
    return true;
}

bool isDir(const std::filesystem::path& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

void MaildirLayout::validateName(std::string_view name) {
    if (name.empty()) return;  // INBOX
    // One directory entry holds the whole name plus the leading dot.
    if (name.size() > 254) throw Error(ErrorKind::InvalidName, "Folder name is too long");
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos)
        throw Error(ErrorKind::InvalidName, "Folder name has an empty level");
    for (char c : name) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '/') throw Error(ErrorKind::InvalidName, "Folder name may not contain '/'");
        if (u < 0x20 || u == 0x7f)
            throw Error(ErrorKind::InvalidName, "Folder name may not contain control characters");
    }
    if (!validUtf8(name)) throw Error(ErrorKind::InvalidName, "Folder name is not valid UTF-8");
}

std::filesystem::path MaildirLayout::folderDir(std::string_view name) const {
    validateName(name);
    if (name.empty()) return root_;
    return root() / ("." + std::string(name));
}

bool MaildirLayout::exists(std::string_view name) const {
    return isDir(folderDir(name) / "cur");
}

bool MaildirLayout::create(std::string_view name) const {
    auto dir = folderDir(name);
    bool created = false;
    for (const auto& d : {dir, dir / "cur", dir / "new", dir / "tmp"}) {
        if (::mkdir(d.c_str(), newFolderMode()) == 0)
            created = true;
        else if (errno != EEXIST)
            throwIo("Cannot create folder directory", d.string(), errno);
    }
    if (!name.empty()) {
        // The marker tells delivery agents they are inside a folder (quota accounting
        // goes to the parent's maildirsize); Courier creates it the same way.
        int fd =
            ::open((dir / "maildirfolder").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, newFileMode());
        if (fd >= 0) ::close(fd);
    }
    return created;
}

std::vector<FolderEntry> MaildirLayout::list() const {
    std::map<std::string, FolderEntry> entries;
    entries[""] = FolderEntry{"", true, false};
    DIR* d = ::opendir(root_.c_str());
    if (!d) throwIo("Cannot list the Maildir", root_, errno);
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n.size() < 2 || n[0] != '.' || n == "..") continue;
        std::string name(n.substr(1));
        try {
            validateName(name);
        } catch (const Error&) {
            continue;  // names we could not serve safely are not folders to us
        }
        if (!isDir(root() / n / "cur")) continue;
        entries[name] = FolderEntry{name, true, false};
    }
    ::closedir(d);
    // Add intermediate levels and mark parents.
    std::vector<std::string> names;
    for (const auto& [n, _] : entries)
        names.push_back(n);
    for (const auto& n : names) {
        if (n.empty()) continue;
        for (auto p = parentName(n); !p.empty(); p = parentName(p)) {
            auto [it, inserted] =
                entries.try_emplace(std::string(p), FolderEntry{std::string(p), false, false});
            it->second.hasChildren = true;
        }
    }
    std::vector<FolderEntry> out;
    out.reserve(entries.size());
    for (auto& [_, e] : entries)
        out.push_back(std::move(e));
    return out;  // std::map order puts "" (INBOX) first
}

std::string_view parentName(std::string_view name) {
    auto dot = name.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(0, dot);
}

bool isInside(std::string_view name, std::string_view parent) {
    if (parent.empty()) return !name.empty();
    return name.size() > parent.size() && name.substr(0, parent.size()) == parent &&
           name[parent.size()] == '.';
}

}  // namespace maildex::index
