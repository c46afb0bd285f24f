#include "core/shared_index.h"

#include <sys/stat.h>

#include <charconv>
#include <fstream>
#include <mutex>
#include <set>
#include <unordered_map>

#include "base/log.h"

namespace maildex::core {

namespace {

std::vector<std::string_view> splitTabs(std::string_view line) {
    std::vector<std::string_view> fields;
    for (;;) {
        auto tab = line.find('\t');
        fields.push_back(line.substr(0, tab));
        if (tab == std::string_view::npos) return fields;
        line.remove_prefix(tab + 1);
    }
}

// A name that can be one level of "#shared.<name>.<folder>".
bool validAccountName(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    for (unsigned char c : name)
        if (c <= 0x20 || c == 0x7f || c == '.' || c == '/') return false;
    return true;
}

template <typename T>
bool nonZeroId(std::string_view text, T& out) {
    unsigned long value = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || p != text.data() + text.size() || value == 0 ||
        value > static_cast<unsigned long>(static_cast<T>(-1) - 1))
        return false;
    out = static_cast<T>(value);
    return true;
}

// Group files may name further group files; Courier follows one level, so do we.
void parseFile(const std::filesystem::path& file, const std::string& group, bool followGroups,
               const std::function<void(const std::string&)>& warn, SharedAccounts& out) {
    std::ifstream in(file);
    if (!in) return;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.front() == '#') continue;
        auto bad = [&](const std::string& why) {
            warn(file.string() + ":" + std::to_string(number) + ": " + why +
                 " (expected name TAB uid TAB gid TAB home [TAB maildir]); line skipped");
        };
        auto f = splitTabs(line);
        if (f.size() == 3 && f[1] == "*") {
            if (!followGroups) {
                bad("a group inside a group file");
                continue;
            }
            if (!validAccountName(f[0])) {
                bad("the group's name is empty or has '.', '/' or blanks");
                continue;
            }
            std::filesystem::path other(f[2]);
            if (other.is_relative()) other = file.parent_path() / other;
            parseFile(other, std::string(f[0]), false, warn, out);
            continue;
        }
        if (f.size() < 4 || f.size() > 5) {
            bad("wrong number of fields");
            continue;
        }
        SharedAccount a;
        if (!validAccountName(f[0])) {
            bad("the name is empty or has '.', '/' or blanks");
            continue;
        }
        if (!nonZeroId(f[1], a.uid) || !nonZeroId(f[2], a.gid)) {
            bad("uid and gid must be numbers other than 0");
            continue;
        }
        std::filesystem::path home(f[3]);
        if (!home.is_absolute()) {
            bad("the home directory must be an absolute path");
            continue;
        }
        std::string_view maildir = f.size() == 5 && !f[4].empty() ? f[4] : "./Maildir";
        a.maildir = (home / maildir).lexically_normal();
        a.path = group.empty() ? std::string(f[0]) : group + "." + std::string(f[0]);
        a.ownerLogin = group.empty() ? "vendor=courier.internal" : group;
        out.push_back(std::move(a));
    }
}

// What identifies a file's contents for the cache: inode, size and mtime.
struct Stamp {
    ino_t inode = 0;
    off_t size = -1;
    std::int64_t mtimeNs = 0;
    bool operator==(const Stamp&) const = default;
};

Stamp stampOf(const std::filesystem::path& file) {
    struct stat st;
    if (::stat(file.c_str(), &st) != 0) return {};
    return {st.st_ino, st.st_size, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec};
}

struct Cached {
    std::vector<std::pair<std::filesystem::path, Stamp>> files;  // the index and its groups
    std::shared_ptr<const SharedAccounts> accounts;
};

}  // namespace

SharedAccounts parseSharedIndex(const std::filesystem::path& file,
                                const std::function<void(const std::string&)>& warn) {
    SharedAccounts out;
    parseFile(file, "", true, warn, out);
    return out;
}

std::shared_ptr<const SharedAccounts> sharedIndex(const std::filesystem::path& file) {
    static std::mutex mu;
    static std::unordered_map<std::string, Cached> cache;
    std::lock_guard lock(mu);
    auto& c = cache[file.string()];
    bool fresh = c.accounts != nullptr;
    for (const auto& [path, stamp] : c.files)
        if (stampOf(path) != stamp) fresh = false;
    if (fresh) return c.accounts;
    // The files are read after their stamps are taken: a change in between is seen next
    // time rather than missed.
    c.files = {{file, stampOf(file)}};
    {
        std::ifstream in(file);
        std::string line;
        while (std::getline(in, line)) {
            auto f = splitTabs(line);
            if (f.size() == 3 && f[1] == "*") {
                std::filesystem::path other(f[2]);
                if (other.is_relative()) other = file.parent_path() / other;
                c.files.emplace_back(other, stampOf(other));
            }
        }
    }
    c.accounts = std::make_shared<const SharedAccounts>(
        parseSharedIndex(file, [](const std::string& w) { log::warn("shared index: " + w); }));
    return c.accounts;
}

void noteFilesystemSharedFolders(const std::filesystem::path& maildir) {
    std::error_code ec;
    if (!std::filesystem::exists(maildir / "shared-maildirs", ec)) return;
    static std::mutex mu;
    static std::set<std::string> said;
    std::lock_guard lock(mu);
    if (said.insert(maildir.string()).second)
        log::warn(maildir.string() +
                  "/shared-maildirs: Courier's filesystem shared folders (maildirmake -S/--add, "
                  "the \"shared.\" namespace) are not served; share folders with "
                  "IMAP_SHAREDINDEXFILE and courierimapacl instead");
}

const SharedAccount* findSharedAccount(const SharedAccounts& accounts, std::string_view name,
                                       std::string_view& rest) {
    if (!name.starts_with(kSharedPrefix)) return nullptr;
    name.remove_prefix(kSharedPrefix.size());
    const SharedAccount* best = nullptr;
    for (const auto& a : accounts) {
        if (!name.starts_with(a.path)) continue;
        std::string_view after = name.substr(a.path.size());
        if (!after.empty() && (after.front() != '.' || after.size() == 1)) continue;
        if (best && best->path.size() >= a.path.size()) continue;
        best = &a;
        rest = after.empty() ? after : after.substr(1);
    }
    return best;
}

}  // namespace maildex::core
