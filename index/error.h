#pragma once
// The one exception type the storage layer throws. Its kind tells the protocol layer
// which answer to give (NO with a response code); what() is a sentence for a person.

#include <stdexcept>
#include <string>

namespace maildex::index {

enum class ErrorKind {
    NotFound,       // folder or message does not exist
    AlreadyExists,  // folder exists
    InvalidName,    // folder name that cannot be mapped into the Maildir
    NotAllowed,     // e.g. deleting INBOX, a folder with children's constraints
    Limit,          // a configured limit was hit
    Io,             // the file system failed us
    Corrupt,        // the index or a mirror file could not be read
    Busy,           // the database stayed locked
    OverQuota,      // the change would take the Maildir over its quota (maildirsize)
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

  private:
    ErrorKind kind_;
};

// Throws an Io error naming the path, with errno's text.
[[noreturn]] void throwIo(const std::string& what, const std::string& path, int err);

}  // namespace maildex::index
