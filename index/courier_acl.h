#pragma once
// courierimapacl and courierimaphieracl/: Courier-IMAP's access control lists
// (../shared/spec/courier-formats.md section 6; courier-libs maildir/maildiraclt.c).
//
// <folder dir>/courierimapacl (INBOX: the Maildir root), one entry per line:
//
//   owner aceilrstwx
//   administrators aceilrstwx
//   anyone lr
//   user=bob ilrsw
//   -user=carol w               a leading '-' marks negative rights
//
// <root>/courierimaphieracl/<name without the leading dot> holds the list of a name that
// has no directory (a hierarchy level such as "Projects" when only ".Projects.Alpha"
// exists).
//
// Rights are RFC 4314 letters, stored de-duplicated in byte order; letters Courier does
// not know are kept. Identifiers are stored as Courier writes them ("user=bob"); turning
// them into what IMAP shows ("bob"), and computing a user's rights (ACL2=UNION), is the
// protocol layer's business.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

// Every right Courier knows (maildiraclt.h ACL_ALL), in byte order.
inline constexpr std::string_view kCourierAllRights = "aceilrstwx";

struct CourierAclEntry {
    std::string identifier;  // "owner", "administrators", "anyone", "user=bob", "-user=carol"
    std::string rights;      // letters, unique, in byte order
    bool negative() const { return !identifier.empty() && identifier[0] == '-'; }
    bool operator==(const CourierAclEntry&) const = default;
};

struct CourierAcl {
    std::vector<CourierAclEntry> entries;  // file order; each identifier once
    bool operator==(const CourierAcl&) const = default;

    const CourierAclEntry* find(std::string_view identifier) const;
    // Replaces the rights of `identifier` where it stands, or appends it (as Courier's
    // maildir_aclt_list_add does). `rights` is normalized.
    void set(std::string_view identifier, std::string_view rights);
    void remove(std::string_view identifier);

    // INBOX's list when it has no file: owner and administrators with every right.
    static CourierAcl inboxDefault();
};

// Rights letters de-duplicated and sorted by byte value; bytes <= 0x20 are dropped.
std::string normalizeCourierRights(std::string_view letters);

// Parses a courierimapacl (or courierimaphieracl/...) file: "<identifier> <rights>" per
// line, split at the first space. Lenient as Courier is: lines whose identifier is empty
// or contains a byte <= 0x20 are skipped, a repeated identifier replaces the earlier
// entry in place, each with a warning.
CourierAcl parseCourierAcl(std::string_view text, std::vector<std::string>* warnings = nullptr);

// <folderDir>/courierimapacl as it is; nullopt when the folder has no file.
std::optional<CourierAcl> readCourierAclFile(const std::filesystem::path& folderDir,
                                             std::vector<std::string>* warnings = nullptr);

// <maildirRoot>/courierimaphieracl/<folder>; nullopt when there is none.
std::optional<CourierAcl> readCourierHierAcl(const std::filesystem::path& maildirRoot,
                                             std::string_view folder,
                                             std::vector<std::string>* warnings = nullptr);

// The list Courier applies to `folder` (on-disk name without the leading dot, "" =
// INBOX; it need not have a directory), following maildir_acl_read: the folder's own
// courierimapacl, else its courierimaphieracl/ entry, else the parent's list, recursively
// up to INBOX, whose default is CourierAcl::inboxDefault(). Courier then makes sure that
// "administrators" (or "group=administrators" when that entry exists) has every right and
// drops "-administrators" / "-group=administrators"; so does this.
//
// Courier also writes an inherited list into the folder's own file the first time it
// reads it; this function only reads (compare readCourierAclFile to see whether the list
// is the folder's own). Throws Error(InvalidName) for a name that cannot be a folder.
CourierAcl readCourierAcl(const std::filesystem::path& maildirRoot, std::string_view folder,
                          std::vector<std::string>* warnings = nullptr);

// readCourierAcl for many folders of one Maildir (a LIST of hundreds of folders): each
// file is tried once, a folder without a list of its own takes the one already found for
// its parent, and courierimaphieracl/ entries are only looked for when that directory
// exists. For one command: a list changed meanwhile is seen by the next reader.
class CourierAclReader {
  public:
    explicit CourierAclReader(std::filesystem::path maildirRoot);
    const CourierAcl& read(std::string_view folder);

  private:
    std::filesystem::path root_;
    bool hierDir_;
    std::map<std::string, CourierAcl, std::less<>> lists_;  // by folder, as readCourierAcl
};

// Writes <folderDir>/courierimapacl through tmp/ + rename(). Throws Error(InvalidName) for
// an identifier that is empty or contains a byte <= 0x20.
void writeCourierAcl(const std::filesystem::path& folderDir, const CourierAcl& acl);

// Writes <maildirRoot>/courierimaphieracl/<folder> through the root's tmp/ + rename(),
// creating the directory as Courier does (mode 0755).
void writeCourierHierAcl(const std::filesystem::path& maildirRoot, std::string_view folder,
                         const CourierAcl& acl);

}  // namespace maildex::index
