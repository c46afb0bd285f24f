#include "index/courier_acl.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "index/error.h"
#include "index/file_util.h"
#include "index/layout.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {
constexpr const char* kFileName = "courierimapacl";     // maildiraclt.h ACLFILE
constexpr const char* kHierDir = "courierimaphieracl";  // maildiraclt.h ACLHIERDIR

bool validIdentifier(std::string_view identifier) {
    if (identifier.empty() || identifier == "-") return false;
    for (char c : identifier)
        if (static_cast<unsigned char>(c) <= 0x20) return false;
    return true;
}

std::filesystem::path folderDirOf(const std::filesystem::path& root, std::string_view folder) {
    return folder.empty() ? root : root / ("." + std::string(folder));
}

// maildir_aclt_add_default_admin: "administrators" (or "group=administrators" if the list
// has that entry) always holds every right, and nobody can take rights from them.
void applyAdministratorsRule(CourierAcl& acl) {
    std::string_view admin =
        acl.find("group=administrators") ? "group=administrators" : "administrators";
    std::string rights(kCourierAllRights);
    if (const auto* e = acl.find(admin)) rights += e->rights;
    acl.set(admin, rights);
    acl.remove("-administrators");
    acl.remove("-group=administrators");
}

std::string serialize(const CourierAcl& acl) {
    std::string text;
    for (const auto& e : acl.entries) {
        if (!validIdentifier(e.identifier))
            throw Error(ErrorKind::InvalidName, "Cannot store the ACL identifier " +
                                                    quoteForWarning(e.identifier) + " in " +
                                                    kFileName);
        text += e.identifier;
        text += ' ';
        text += normalizeCourierRights(e.rights);
        text += '\n';
    }
    return text;
}
}  // namespace

const CourierAclEntry* CourierAcl::find(std::string_view identifier) const {
    for (const auto& e : entries)
        if (e.identifier == identifier) return &e;
    return nullptr;
}

void CourierAcl::set(std::string_view identifier, std::string_view rights) {
    for (auto& e : entries)
        if (e.identifier == identifier) {
            e.rights = normalizeCourierRights(rights);
            return;
        }
    entries.push_back({std::string(identifier), normalizeCourierRights(rights)});
}

void CourierAcl::remove(std::string_view identifier) {
    std::erase_if(entries, [&](const CourierAclEntry& e) { return e.identifier == identifier; });
}

CourierAcl CourierAcl::inboxDefault() {
    CourierAcl acl;
    acl.set("owner", kCourierAllRights);
    acl.set("administrators", kCourierAllRights);
    return acl;
}

std::string normalizeCourierRights(std::string_view letters) {
    std::string out;
    for (char c : letters)
        if (static_cast<unsigned char>(c) > 0x20) out += c;
    std::sort(out.begin(), out.end(), [](char a, char b) {
        return static_cast<unsigned char>(a) < static_cast<unsigned char>(b);
    });
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

CourierAcl parseCourierAcl(std::string_view text, std::vector<std::string>* warnings) {
    Warnings warn(warnings);
    LineReader lines(text);
    std::string_view line;
    CourierAcl acl;
    while (lines.next(line)) {
        if (line.empty()) continue;
        // maildir_acl_read_check: the identifier ends at the first space, the rights
        // start after the spaces that follow it.
        size_t sp = line.find(' ');
        std::string_view identifier = line.substr(0, sp);
        std::string_view rights;
        if (sp != std::string_view::npos) {
            rights = line.substr(sp);
            rights.remove_prefix(std::min(rights.find_first_not_of(' '), rights.size()));
        }
        if (!validIdentifier(identifier)) {
            warn.line(lines.lineNumber(),
                      "has no usable identifier, skipped: " + quoteForWarning(line));
            continue;
        }
        // Courier's reader drops such a line whole ("owner  rl " with a trailing blank
        // grants nothing), so both servers must.
        if (std::any_of(rights.begin(), rights.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= 0x20; })) {
            warn.line(lines.lineNumber(),
                      "has blanks among the rights, skipped as Courier skips it: " +
                          quoteForWarning(line));
            continue;
        }
        if (acl.find(identifier))
            warn.line(lines.lineNumber(), "repeats the identifier " + quoteForWarning(identifier) +
                                              "; the later line wins");
        acl.set(identifier, rights);
    }
    return acl;
}

std::optional<CourierAcl> readCourierAclFile(const std::filesystem::path& folderDir,
                                             std::vector<std::string>* warnings) {
    auto text = readFileIfExists(folderDir / kFileName);
    if (!text) return std::nullopt;
    return parseCourierAcl(*text, warnings);
}

std::optional<CourierAcl> readCourierHierAcl(const std::filesystem::path& maildirRoot,
                                             std::string_view folder,
                                             std::vector<std::string>* warnings) {
    MaildirLayout::validateName(folder);
    if (folder.empty()) return std::nullopt;  // INBOX never has one
    auto text = readFileIfExists(maildirRoot / kHierDir / std::string(folder));
    if (!text) return std::nullopt;
    return parseCourierAcl(*text, warnings);
}

CourierAcl readCourierAcl(const std::filesystem::path& maildirRoot, std::string_view folder,
                          std::vector<std::string>* warnings) {
    MaildirLayout::validateName(folder);
    std::string_view name = folder;
    CourierAcl acl;
    for (;;) {
        std::vector<std::string> fileWarnings;
        if (auto own = readCourierAclFile(folderDirOf(maildirRoot, name), &fileWarnings)) {
            acl = std::move(*own);
        } else if (name.empty()) {
            acl = CourierAcl::inboxDefault();
        } else if (auto hier = readCourierHierAcl(maildirRoot, name, &fileWarnings)) {
            acl = std::move(*hier);
        } else {
            name = parentName(name);
            continue;
        }
        if (warnings)
            for (auto& w : fileWarnings)
                warnings->push_back("ACL of '" + std::string(name) + "': " + w);
        break;
    }
    applyAdministratorsRule(acl);
    return acl;
}

CourierAclReader::CourierAclReader(std::filesystem::path maildirRoot)
    : root_(std::move(maildirRoot)) {
    struct stat st;
    hierDir_ = ::stat((root_ / kHierDir).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

const CourierAcl& CourierAclReader::read(std::string_view folder) {
    if (auto it = lists_.find(folder); it != lists_.end()) return it->second;
    MaildirLayout::validateName(folder);
    std::optional<CourierAcl> acl = readCourierAclFile(folderDirOf(root_, folder));
    if (!acl && folder.empty()) acl = CourierAcl::inboxDefault();
    if (!acl && hierDir_) acl = readCourierHierAcl(root_, folder);
    if (acl) {
        applyAdministratorsRule(*acl);
        return lists_.emplace(std::string(folder), std::move(*acl)).first->second;
    }
    // The parent's list, administrators' rule applied already, as readCourierAcl finds it.
    CourierAcl inherited = read(parentName(folder));
    return lists_.emplace(std::string(folder), std::move(inherited)).first->second;
}

void writeCourierAcl(const std::filesystem::path& folderDir, const CourierAcl& acl) {
    writeFileAtomically(folderDir, kFileName, serialize(acl));
}

void writeCourierHierAcl(const std::filesystem::path& maildirRoot, std::string_view folder,
                         const CourierAcl& acl) {
    MaildirLayout::validateName(folder);
    if (folder.empty())
        throw Error(ErrorKind::InvalidName, "INBOX keeps its ACL in the Maildir root");
    std::string text = serialize(acl);
    auto dir = maildirRoot / kHierDir;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        throwIo("Cannot create", dir.string(), errno);
    writeFileAtomically(maildirRoot, std::string(kHierDir) + "/" + std::string(folder), text);
}

}  // namespace maildex::index
