#pragma once
// Maildir++ as Courier serves it. The Maildir root is INBOX; every other folder is a
// sibling directory of cur/ named "." + the folder's path with "." between levels:
// folder "A.B" lives in ".A.B". There is no nesting on disk; the hierarchy exists only in
// the names, so a level without its own directory ("A" when only ".A.B" exists) is an
// intermediate level, listed but not selectable.
//
// Folder names here are the on-disk spelling without the leading dot, UTF-8 as Courier 5
// stores them; "" is INBOX. The IMAP spelling (prefix "INBOX.", modified UTF-7) is the
// protocol layer's business.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

struct FolderEntry {
    std::string name;  // "" for INBOX
    bool selectable;   // has its own directory with cur/
    bool hasChildren;  // some other folder's name starts with name + "."
};

class MaildirLayout {
  public:
    explicit MaildirLayout(const std::filesystem::path& root) : root_(root.string()) {}

    std::filesystem::path root() const { return root_; }

    // Throws Error(InvalidName) unless `name` is a folder name that stays inside the
    // Maildir: no empty level, no '/', no control characters, valid UTF-8, short enough
    // for one directory entry.
    static void validateName(std::string_view name);

    // The folder's directory ("" → the root). Validates the name.
    std::filesystem::path folderDir(std::string_view name) const;

    // Every folder, INBOX first, then by name; intermediate levels included as
    // non-selectable entries.
    std::vector<FolderEntry> list() const;

    // True when the folder's directory has cur/.
    bool exists(std::string_view name) const;

    // Creates cur/ new/ tmp/ (and the maildirfolder marker for non-INBOX folders).
    // Existing directories are fine; returns true when the folder was newly created.
    bool create(std::string_view name) const;

  private:
    // A string, not a path: a path keeps a list of its components besides its text
    // (about 50 bytes each), and every logged-in user's Mailstore has one of these.
    std::string root_;
};

// The parent level of a folder name ("A.B" → "A", "A" → ""), and whether `name` is
// inside `parent`'s hierarchy (parent "A" contains "A.B" and "A.B.C", not "AB").
std::string_view parentName(std::string_view name);
bool isInside(std::string_view name, std::string_view parent);

}  // namespace maildex::index
