#pragma once
// The passwd-file format itself, shared by the user database (reading, verifying) and the
// admin tool's editing (user_database_edit.cpp): a line into an Entry, a file into entries
// found by name, and the helpers both sides need. Internal to core/auth/; the interface for
// everyone else is core/auth/user_database.h, where the format is described.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/auth/user_database.h"

namespace maildex::core::auth::passwd {

// What verifying a line's password takes.
enum class Kind {
    Crypt,       // libcrypt verifies it
    Plain,       // {PLAIN}: for tests
    Scram,       // {SCRAM-SHA-256}: Dovecot's SCRAM keys (core/auth/scram.h)
    NoPassword,  // empty password field: the user exists, nobody can log in as it
    Unusable,    // unsupported scheme or a hash libcrypt rejects (e.g. "!" locked)
};

struct Entry {
    UserInfo info;
    Kind kind = Kind::Unusable;
    std::string secret;  // the crypt hash, the {PLAIN} password, or the SCRAM keys field
};

// Which version of the file was read: a change to any of these means it changed.
struct Signature {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long long mtimeNs = 0, ctimeNs = 0;
    bool operator==(const Signature&) const = default;
};

Signature signatureOf(const struct stat& st);

struct Parsed {
    std::vector<Entry> entries;                          // the usable lines, in file order
    std::unordered_map<std::string, std::size_t> byKey;  // nameKey(name) -> entries index
    std::vector<std::string> warnings;                   // "line N: ..." sentences
    // The lines that could not be read at all (also among the warnings), as
    // "N: reason", and a hash of each line's text (not the text: it may hold a
    // password): a reread with a bad line the data in use did not have keeps the
    // previous data (user_database.h).
    std::vector<std::string> errors;
    std::vector<std::size_t> errorLines;
};

// Reads and parses the file; throws UserDbError when it cannot be read. Warns about a
// world-readable file as well as about lines.
void readAndParse(const std::filesystem::path& file, const UserDatabaseOptions& options,
                  Parsed& out, Signature* signature);

// The whole file, read through one descriptor so the signature describes what was read.
std::string readUserFile(const std::filesystem::path& file, Signature* signature, mode_t* mode);

// All lines of `text`; skipped lines and doubtful ones become warnings.
void parseText(std::string_view text, const UserDatabaseOptions& options, Parsed& out);

// One line that is not a comment or blank. False, with the reason in `error`, when the
// line cannot be used; `notes` receives what is doubtful but not fatal.
bool parseLine(std::string_view line, const UserDatabaseOptions& options, Entry& e,
               std::string& error, std::vector<std::string>& notes);

// The password field: sets e.kind, e.info.scheme and e.secret.
void parsePasswordField(std::string_view field, Entry& e, std::vector<std::string>& notes);

// The key a name is found under: user@domain with the domain in lower case.
std::string nameKey(std::string_view name);

// Which hashes cost the same to verify: the algorithm with its cost parameter, without the
// salt and the hash ("$y$j9T", "$6$rounds=10000", "$6", "$2b$10$", "des").
std::string costClass(std::string_view hash);

// Overwrites the characters, then empties the string.
void wipe(std::string& s);
std::string lower(std::string_view s);  // ASCII only: domains and scheme names
std::string upper(std::string_view s);
// Control characters as \xNN, for messages.
std::string printable(std::string_view s);
bool hasControl(std::string_view s);

}  // namespace maildex::core::auth::passwd
