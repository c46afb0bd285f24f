#pragma once
// The user database (MAILDEX_USERDB): a file in Dovecot's passwd-file format,
//
//   user:{SCHEME}hash:uid:gid:gecos:home:shell:extra
//
// where extra is space-separated key=value fields and is everything after the seventh
// colon (so `userdb_mail=maildir:~/Maildir` keeps its colons). Lines may stop early, as
// Dovecot allows; `#` starts a comment line. The Maildir is home/MAILDIRPATH unless an
// extra field `maildir=PATH` (relative to home, `~/` allowed) or Dovecot's
// `[userdb_]mail=maildir:PATH[:OPTIONS]` says otherwise.
//
// Schemes: {CRYPT} and Dovecot's {SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT}, {MD5-CRYPT}
// (alias {MD5}) all go through libcrypt, which picks the algorithm by the hash's prefix, so
// yescrypt ($y$) works under {CRYPT} and as a bare hash without braces. {PLAIN} (aliases
// {CLEAR}, {CLEARTEXT}) is for tests.
//
// Timing: a login that names no user, or a user whose hash cannot be used, spends the time
// of one verification against a dummy hash with the cost of the file's most common hash
// kind, so the answer time does not tell which users exist. Two caveats that follow from
// the file itself: a user whose hash kind is rarer than the most common one answers at its
// own speed, and {PLAIN} users answer at once.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/backend.h"

namespace maildex::core::auth {

namespace detail {
struct UserDbSnapshot;  // one reading of the file; defined in user_database.cpp
struct FileVersion;     // which version of the file; defined in user_database.cpp
}  // namespace detail

// What the file and its editing functions throw: a sentence for the operator.
class UserDbError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct UserDatabaseOptions {
    // DEFDOMAIN (appended to logins without '@'; the file may list bare names too) and
    // MAILDIRPATH (below home, when no maildir= field says otherwise).
    AccountDefaults accounts;
    // How often a login may stat the file to notice that it changed.
    std::chrono::milliseconds recheckInterval{1000};
};

// One usable line of the file, as the admin tool lists it. The hash is not part of it.
struct UserInfo {
    std::string name;    // as written in the file
    std::string scheme;  // "SHA512-CRYPT", "CRYPT" (also for a bare hash), "PLAIN", ...;
                         // empty when the password field is empty (no login possible)
    std::string uid, gid, gecos, home, shell;
    std::string extra;              // the extra fields as written
    std::filesystem::path maildir;  // the Maildir root this login is served
    std::size_t line = 0;           // 1-based line number
};

// The logins-to-Maildirs map that LOGIN and AUTHENTICATE check against. Thread-safe: any
// number of threads may call verify() and lookup() at once; each verification uses its
// own crypt state. The file is rechecked (inode, size, mtime, ctime) at most every
// recheckInterval on lookup, and on SIGHUP, and reread when it changed.
//
// Rereading is all or nothing, as the TLS certificates' reload is: a file that cannot be
// read, that has a new line that cannot be parsed (wrong field count, bad uid, no
// home...), or that has no users while the data in use has some, is refused as a whole;
// the previous data stays in use and an error names the file and each bad line
// ("FILE:LINE: reason"), once per version of the file, until it is fixed. At start there
// is nothing to keep: bad lines are skipped with a warning each, and such a line that is
// still there, unchanged, in a later version is not held against that version (the admin
// tool keeps lines it does not understand). Lines that parse but cannot be logged in with
// (an unknown scheme, a locked hash, a user defined twice) are not errors: they are the
// file's meaning, and warned about.
class UserDatabase : public AuthBackend {
  public:
    // Reads the file; throws UserDbError when it cannot be read at all. Malformed lines
    // are skipped, each logged as a warning with its line number.
    explicit UserDatabase(std::filesystem::path file, UserDatabaseOptions options = {});
    ~UserDatabase() override;
    UserDatabase(const UserDatabase&) = delete;
    UserDatabase& operator=(const UserDatabase&) = delete;

    // Accepted with the account (name as the file writes it, Maildir, home, uid and gid)
    // when `password` is right, Refused otherwise. The password is compared in constant
    // time and not kept; unknown users cost one dummy verification. clientAddress is not
    // used here: delays between failures are LoginThrottle's.
    AuthResult authenticate(std::string_view user, std::string_view password,
                            std::string_view clientAddress) override;
    std::string_view name() const override { return "passwd-file"; }
    // The file's name for the account `login` resolves to (see lookup), with the domain in
    // lower case.
    std::optional<std::string> accountKey(std::string_view login) override;
    // SCRAM keys from {SCRAM-SHA-256} lines, or computed from {PLAIN} ones (with a salt
    // that stays the same for a name while the server runs); the plain password too for
    // CRAM-MD5. Nothing for crypt hashes: they cannot give either.
    std::optional<ChallengeAccount> challengeAccount(std::string_view login) override;
    bool servesScram() override;
    bool servesCramMd5() override;

    // The entry a login resolves to (exact name; user@domain with the domain compared
    // case-insensitively; DEFDOMAIN appended to a bare name, or stripped from a login in
    // that domain when the file lists bare names), without any password check.
    std::optional<UserInfo> lookup(std::string_view login);

    // Rereads the file now if it changed since the last read. False when it could not be
    // read (the previous data stays and a warning is logged).
    bool reload() override;

    std::size_t userCount() const;
    // The warnings of the data in use (malformed lines, unusable hashes, ...).
    std::vector<std::string> warnings() const;
    const std::filesystem::path& file() const { return file_; }

  private:
    std::shared_ptr<const detail::UserDbSnapshot> current() const;
    void maybeReload();
    bool reloadIfChanged(bool force);

    const std::filesystem::path file_;
    const UserDatabaseOptions options_;
    const std::string defaultDomain_;  // DEFDOMAIN without its '@', in lower case
    mutable std::mutex mu_;            // guards snapshot_, lastCheck_, lastFailure_
    std::shared_ptr<const detail::UserDbSnapshot> snapshot_;
    std::chrono::steady_clock::time_point lastCheck_;
    std::string lastFailure_;  // so a missing file is not reported on every login
    std::unique_ptr<detail::FileVersion> rejected_;  // the version of the file last refused
    std::mutex reloadMu_;  // one reread at a time; others keep using the old data
};

// Hashing for the admin tool (maildexctl user ...).
enum class HashScheme { Yescrypt, Sha512Crypt, BlfCrypt };

// "yescrypt" (also "CRYPT"), "SHA512-CRYPT", "BLF-CRYPT" (also "bcrypt"), any case.
std::optional<HashScheme> parseHashScheme(std::string_view name);

// A fresh random salt and the hash, with its scheme prefix as the file wants it:
// "{CRYPT}$y$...", "{SHA512-CRYPT}$6$...", "{BLF-CRYPT}$2b$...". `cost` 0 means the
// default: libcrypt's for yescrypt (j9T, about 25 ms here) and SHA512-CRYPT (5000
// rounds, what Dovecot and openssl write), 10 for bcrypt (libcrypt's 5 is too cheap).
// Throws UserDbError when libcrypt refuses (e.g. a password with NUL or over 511 bytes).
std::string hashPassword(std::string_view password, HashScheme scheme = HashScheme::Yescrypt,
                         unsigned long cost = 0);

// Why `name` cannot be a user name (contains ':', whitespace or control characters, starts
// with '#', is empty, or has an empty part around '@'), or nullopt when it can.
std::optional<std::string> checkUserName(std::string_view name);

// A user to add: every field as it goes into the file.
// (Every member has an initializer so designated initializers may leave fields out.)
struct NewUser {
    std::string name{};
    std::string passwordHash{};  // as hashPassword() returns it
    std::string uid{}, gid{}, gecos{};
    std::string home{};  // absolute; or leave empty and give maildir= in extra
    std::string shell{};
    std::string extra{};  // e.g. "maildir=/srv/mail/alice"
};

// Editing the file in place for the admin tool. Each takes an exclusive flock on
// "<file>.lock", reads the file, writes "<file>.tmp" with the original mode and owner,
// fsyncs it, renames it over the file and fsyncs the directory, so the server always reads
// either the old or the new file. Comments, blank and unparsable lines stay as they were.
// A symlinked file is edited at its target. Each throws UserDbError with a sentence.
//
// Names match as logins do: exactly, with the domain of user@domain case-insensitive.

// Appends a line; refuses an existing name, a bad name, fields with ':' or control
// characters, and a user with neither home nor maildir=. Creates the file (mode 0600).
void addUser(const std::filesystem::path& file, const NewUser& user);

// Replaces the password field of the user's line(s); throws when there is no such user.
void setPassword(const std::filesystem::path& file, std::string_view name,
                 std::string_view passwordHash);

// Removes the user's line(s); throws when there is no such user.
void removeUser(const std::filesystem::path& file, std::string_view name);

// The usable entries, in file order; `warnings` (when given) receives one sentence per
// skipped or doubtful line. Throws UserDbError when the file cannot be read.
std::vector<UserInfo> listUsers(const std::filesystem::path& file,
                                const UserDatabaseOptions& options = {},
                                std::vector<std::string>* warnings = nullptr);

}  // namespace maildex::core::auth
