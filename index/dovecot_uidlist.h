#pragma once
// dovecot-uidlist: Dovecot's per-folder record of UIDVALIDITY and UIDs in a Maildir, read
// when migrating from Dovecot (../shared/spec/courier-formats.md section 10; Dovecot 2.3
// src/lib-storage/index/maildir/maildir-uidlist.c).
//
// Version 3 (what Dovecot writes):
//   3 V1795309002 N12 Gf160c803ca3d026be1480000498a1f36     header fields in any order
//   1 :1795309002.M51348P18657.fixturehost,S=492,W=505      <uid> [<key><value> ...] :<name>
//   7 W515 G6a1b... :1795309008.M49085P18663.fixturehost,S=491,W=504
// Version 1 (the Courier-compatible layout):
//   1 <uidvalidity> <next uid>
//   <uid> <file name>
//
// The file name is the one last known to Dovecot: flag changes rename files without
// rewriting the list, so match on the base name (up to ':'). Expunged messages may still
// be listed until the next rewrite. N is not reliable (folders filled by APPEND keep N1
// with UID 1 listed; Dovecot keeps the real value in dovecot.index), so the next UID is
// max(N, highest listed UID + 1), which matched Dovecot's UIDNEXT in every fixture folder.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace maildex::index {

struct DovecotUidListEntry {
    std::uint32_t uid = 0;
    std::string fileName;  // as listed; may carry an outdated ":2,..." info part
    // Extension fields by key: W (size with CRLF line ends), S (size on disk), G (message
    // GUID), P (POP3 UIDL), O (POP3 order); other keys are kept as well.
    std::map<char, std::string> fields;

    std::string base() const { return fileName.substr(0, fileName.find(':')); }
};

struct DovecotUidList {
    unsigned version = 3;  // 1 or 3
    std::uint32_t uidValidity = 0;
    std::uint32_t nextUid = 1;                 // max(N, highest listed UID + 1)
    std::string mailboxGuid;                   // header G (hex), "" when absent
    std::map<char, std::string> headerFields;  // header fields other than V, N and G
    std::vector<DovecotUidListEntry> entries;  // ascending UIDs, each UID and base name once

    std::unordered_map<std::string, std::uint32_t> byBase() const;
};

// Parses the file's text; nullopt when the header is unusable (unknown version, no
// UIDVALIDITY: Dovecot would rebuild the folder's UIDs). Lenient about entries: lines
// that do not parse are skipped; out-of-order UIDs are sorted; a repeated UID keeps its
// first entry; a file name listed twice keeps the later UID (as Dovecot does); a missing
// N is taken as 1 — each with a warning.
std::optional<DovecotUidList> parseDovecotUidList(std::string_view text,
                                                  std::vector<std::string>* warnings = nullptr);

// Reads <folderDir>/dovecot-uidlist; nullopt when missing or unusable.
std::optional<DovecotUidList> readDovecotUidList(const std::filesystem::path& folderDir,
                                                 std::vector<std::string>* warnings = nullptr);

}  // namespace maildex::index
