#pragma once
// courierimapuiddb: Courier-IMAP's per-folder record of UIDVALIDITY and UIDs, which
// Maildex keeps current so the index is only a cache and Courier could take the Maildir
// back. Format (../shared/spec/courier-formats.md section 3):
//
//   1 <uidvalidity> <nextuid>\n          version 1 is the only one that exists
//   <uid> <base name>\n                  ascending UIDs, no ":2," info
//
// Reading is lenient the way an importer must be: lines without a space or with a
// non-numeric UID are skipped, a ":info" tail is cut, a last line without newline is
// accepted, and the next UID is max(header, highest UID + 1) because Courier trusts a
// header that may be too low.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace maildex::index {

struct CourierUidDb {
    std::uint32_t uidValidity = 0;
    std::uint32_t nextUid = 1;
    std::vector<std::pair<std::uint32_t, std::string>> entries;  // uid, base name

    std::unordered_map<std::string, std::uint32_t> byBase() const;
};

// Parses the file's text; nullopt when the header is unusable (Courier would rebuild).
std::optional<CourierUidDb> parseCourierUidDb(std::string_view text,
                                              std::vector<std::string>* warnings = nullptr);
// Reads <dir>/courierimapuiddb; nullopt when missing or unusable.
std::optional<CourierUidDb> readCourierUidDb(const std::filesystem::path& folderDir,
                                             std::vector<std::string>* warnings = nullptr);

// Adds entries (UIDs above every listed one) without rewriting the file: the header's
// next UID is updated in place and the lines appended. Possible only when the file exists,
// has this UIDVALIDITY, ends with a newline and the new next UID has as many digits as the
// old one; returns false otherwise (the caller then writes the whole file). A reader that
// sees the file between the two writes finds a header ahead of the entries, which is
// harmless: no UID is ever handed out twice.
bool appendCourierUidDb(const std::filesystem::path& folderDir, std::uint32_t uidValidity,
                        std::uint32_t nextUid,
                        const std::vector<std::pair<std::uint32_t, std::string>>& entries);

// Writes the whole file through tmp/ and rename(), as Courier does.
void writeCourierUidDb(const std::filesystem::path& folderDir, const CourierUidDb& db);

}  // namespace maildex::index
