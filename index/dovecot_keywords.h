#pragma once
// dovecot-keywords: how Dovecot's Maildir storage names the keyword letters in file names
// (../shared/spec/courier-formats.md section 10; Dovecot 2.3
// src/lib-storage/index/maildir/maildir-keywords.c).
//
//   0 $Label1            "<index> <name>" per line; index 0 is letter 'a' in the flag
//   1 $Forwarded         letters of a file name ("...:2,RSa" = \Answered \Seen $Label1),
//   4 Project_Phoenix    index 25 is 'z'
//
// Only 26 keywords fit in file names; more live only in dovecot.index, which is not read.
// Each folder has its own numbering.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

struct DovecotKeywords {
    std::map<unsigned, std::string> byIndex;  // 0..25

    // The keyword names of a file's flag letters (the text after ":2,"): each lowercase
    // letter 'a'..'z' is one keyword; other letters are system flags and skipped. A letter
    // with no name in the file gets "unknown-<index>", the name Dovecot itself invents.
    std::vector<std::string> namesForLetters(std::string_view letters) const;
};

// Parses the file the way Dovecot does: lines without a space, with an index that is not
// a number below 26, or with an empty name are ignored (each with a warning here); a later
// line for the same index wins.
DovecotKeywords parseDovecotKeywords(std::string_view text,
                                     std::vector<std::string>* warnings = nullptr);

// Reads <folderDir>/dovecot-keywords; a missing file means no keyword letters are named.
DovecotKeywords readDovecotKeywords(const std::filesystem::path& folderDir,
                                    std::vector<std::string>* warnings = nullptr);

}  // namespace maildex::index
