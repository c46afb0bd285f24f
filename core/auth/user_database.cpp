#include "core/auth/user_database.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

#include "base/fs_identity.h"
#include "base/log.h"
#include "core/auth/passwd_file.h"
#include "core/auth/scram.h"

namespace maildex::core::auth {

namespace {

using passwd::Entry;
using passwd::Kind;
using passwd::Parsed;
using passwd::Signature;
using passwd::wipe;

// ---------------------------------------------------------------------------------------
// Secrets. Passwords arrive as string_views into the caller's buffers (the caller wipes
// those); the copies made here are the NUL-terminated one libcrypt needs and libcrypt's own
// state, and both are wiped before their memory is freed.

class SecretCString {
  public:
    explicit SecretCString(std::string_view s) : size_(s.size()), data_(new char[s.size() + 1]) {
        std::memcpy(data_.get(), s.data(), s.size());
        data_[size_] = '\0';
    }
    ~SecretCString() { OPENSSL_cleanse(data_.get(), size_ + 1); }
    SecretCString(const SecretCString&) = delete;
    SecretCString& operator=(const SecretCString&) = delete;
    const char* c_str() const { return data_.get(); }

  private:
    std::size_t size_;
    std::unique_ptr<char[]> data_;
};

// libcrypt's per-call state (32 KiB, so on the heap rather than a worker's stack). One per
// verification is what makes concurrent verification safe: crypt() shares a static one.
class CryptState {
  public:
    CryptState() : data_(std::make_unique<crypt_data>()) {}  // zeroed, as crypt_rn asks
    ~CryptState() { OPENSSL_cleanse(data_.get(), sizeof(crypt_data)); }
    CryptState(const CryptState&) = delete;
    CryptState& operator=(const CryptState&) = delete;
    // nullptr when the setting is not one libcrypt can use.
    const char* run(const char* phrase, const char* setting) {
        return crypt_rn(phrase, setting, data_.get(), static_cast<int>(sizeof(crypt_data)));
    }

  private:
    std::unique_ptr<crypt_data> data_;
};

// The phrase handed to libcrypt: at most what it accepts. A longer password, or one with a
// NUL (possible in an IMAP literal), is still hashed (so it costs the same time) but can
// never match: libcrypt would otherwise see only its first part.
struct Phrase {
    explicit Phrase(std::string_view password)
        : text(password.substr(
              0, std::min(password.size(), std::size_t{CRYPT_MAX_PASSPHRASE_SIZE - 1}))),
          acceptable(password.size() < CRYPT_MAX_PASSPHRASE_SIZE &&
                     password.find('\0') == std::string_view::npos) {}
    SecretCString text;
    bool acceptable;
};

// A yescrypt setting with libcrypt's default cost: what unknown users cost when the file
// has no crypt hash to take the cost from. Its result is never compared with anything.
constexpr const char* kDefaultDummySetting = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$";

std::string normalizedDefaultDomain(std::string_view d) {
    if (d.starts_with("@")) d.remove_prefix(1);
    return passwd::lower(d);
}

// The value of `key=` among the extra fields (space-separated key=value); "" when absent.
// Courier's userdb and the passwd-files sites keep beside it name a Maildir++ quota
// "quota=50000000S,5000C".
std::string extraField(std::string_view extra, std::string_view key) {
    std::size_t pos = 0;
    while (pos < extra.size()) {
        auto end = extra.find_first_of(" \t", pos);
        if (end == std::string_view::npos) end = extra.size();
        auto field = extra.substr(pos, end - pos);
        if (field.size() > key.size() && field.starts_with(key) && field[key.size()] == '=')
            return std::string(field.substr(key.size() + 1));
        pos = end + 1;
    }
    return {};
}

// "a,b" into its names, empty ones dropped.
std::vector<std::string> splitGroups(std::string_view list) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        auto comma = std::min(list.find(',', pos), list.size());
        if (comma > pos) out.emplace_back(list.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return out;
}

// Constant-time equality for {PLAIN}: comparing digests hides the length as well.
bool plainEquals(std::string_view stored, std::string_view given) {
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned int na = 0, nb = 0;
    bool ok = EVP_Digest(stored.data(), stored.size(), a, &na, EVP_sha256(), nullptr) == 1 &&
              EVP_Digest(given.data(), given.size(), b, &nb, EVP_sha256(), nullptr) == 1 &&
              na == nb && CRYPTO_memcmp(a, b, na) == 0;
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    return ok;
}

enum class CryptResult { Match, Mismatch, Unverifiable };

CryptResult cryptCheck(const std::string& hash, std::string_view password) {
    Phrase phrase(password);
    CryptState state;
    const char* out = state.run(phrase.text.c_str(), hash.c_str());
    if (!out) return CryptResult::Unverifiable;
    std::size_t n = std::strlen(out);
    bool same = n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
    return phrase.acceptable && same ? CryptResult::Match : CryptResult::Mismatch;
}

// Spends the time of one verification; the result is thrown away.
void burnOneVerification(const std::string& setting, std::string_view password) {
    Phrase phrase(password);
    CryptState state;
    [[maybe_unused]] const char* out = state.run(phrase.text.c_str(), setting.c_str());
}

}  // namespace

// ---------------------------------------------------------------------------------------
// UserDatabase.

namespace detail {

struct UserDbSnapshot {
    Parsed parsed;
    Signature signature;
    std::string dummySetting;  // what a login costs that has no usable hash to check
    // Whether some line can serve SCRAM ({SCRAM-SHA-256} or {PLAIN}) and CRAM-MD5
    // ({PLAIN}): counted once per reading, asked at every greeting.
    bool anyScram = false, anyPlain = false;
    UserDbSnapshot() = default;
    UserDbSnapshot(const UserDbSnapshot&) = delete;
    UserDbSnapshot& operator=(const UserDbSnapshot&) = delete;
    ~UserDbSnapshot() {
        for (auto& e : parsed.entries)
            wipe(e.secret);
    }
};

struct FileVersion {
    Signature signature;
};

}  // namespace detail

namespace {

using detail::UserDbSnapshot;

// Why a reread that gave `parsed` is refused (see user_database.h), or nullopt. A bad
// line the data in use also had (read at start, skipped with a warning) is an old stray
// line, not this edit's mistake: it does not stop the edit from taking effect.
std::optional<std::string> rejection(const std::filesystem::path& file, const Parsed& parsed,
                                     const Parsed& inUse) {
    std::vector<std::string> fresh;
    for (std::size_t i = 0; i < parsed.errors.size(); ++i)
        if (std::find(inUse.errorLines.begin(), inUse.errorLines.end(), parsed.errorLines[i]) ==
            inUse.errorLines.end())
            fresh.push_back(file.string() + ":" + parsed.errors[i]);
    if (!fresh.empty()) {
        std::string why;
        for (std::size_t i = 0; i < fresh.size() && i < 5; ++i)
            why += (i ? "; " : "") + fresh[i];
        if (fresh.size() > 5) why += "; and " + std::to_string(fresh.size() - 5) + " more lines";
        return why;
    }
    if (parsed.entries.empty() && !inUse.entries.empty())
        return file.string() + " has no users in it";
    return std::nullopt;
}

std::shared_ptr<UserDbSnapshot> loadSnapshot(const std::filesystem::path& file,
                                             const UserDatabaseOptions& options) {
    auto snap = std::make_shared<UserDbSnapshot>();
    passwd::readAndParse(file, options, snap->parsed, &snap->signature);

    // The dummy costs what the most common kind of hash in the file costs; a hash of that
    // kind from the file serves as the setting (its result is discarded, so using a real
    // salt reveals nothing).
    std::map<std::string, std::pair<std::size_t, std::size_t>> classes;  // count, entry
    for (std::size_t i = 0; i < snap->parsed.entries.size(); ++i) {
        const auto& e = snap->parsed.entries[i];
        snap->anyScram = snap->anyScram || e.kind == Kind::Scram || e.kind == Kind::Plain;
        snap->anyPlain = snap->anyPlain || e.kind == Kind::Plain;
        if (e.kind != Kind::Crypt) continue;
        auto [it, inserted] = classes.emplace(passwd::costClass(e.secret), std::pair{0, i});
        ++it->second.first;
    }
    snap->dummySetting = kDefaultDummySetting;
    std::size_t best = 0;
    for (const auto& [cls, v] : classes) {
        if (v.first > best) {
            best = v.first;
            snap->dummySetting = snap->parsed.entries[v.second].secret;
        }
    }
    return snap;
}

}  // namespace

UserDatabase::UserDatabase(std::filesystem::path file, UserDatabaseOptions options)
    : file_(std::move(file)),
      options_(std::move(options)),
      defaultDomain_(normalizedDefaultDomain(options_.accounts.defaultDomain)) {
    auto snap = loadSnapshot(file_, options_);
    for (const auto& w : snap->parsed.warnings)
        log::warn("user database " + file_.string() + ": " + w);
    log::info("user database " + file_.string() + ": " +
              std::to_string(snap->parsed.entries.size()) + " users");
    snapshot_ = std::move(snap);
    lastCheck_ = std::chrono::steady_clock::now();
}

UserDatabase::~UserDatabase() = default;

std::shared_ptr<const UserDbSnapshot> UserDatabase::current() const {
    std::lock_guard lock(mu_);
    return snapshot_;
}

void UserDatabase::maybeReload() {
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mu_);
        if (now - lastCheck_ < options_.recheckInterval) return;
        lastCheck_ = now;
    }
    reloadIfChanged(false);
}

bool UserDatabase::reload() {
    return reloadIfChanged(true);
}

bool UserDatabase::reloadIfChanged(bool wait) {
    std::unique_lock reloading(reloadMu_, std::defer_lock);
    if (wait) {
        reloading.lock();
    } else if (!reloading.try_lock()) {
        return true;  // another thread is rereading; this login uses the data in use now
    }
    auto failed = [this](const std::string& why) {
        std::lock_guard lock(mu_);
        if (why != lastFailure_)
            log::warn(why + "; logins keep using the previously read user database");
        lastFailure_ = why;
        return false;
    };
    // Root's file, after MAILDEX_USER too (net/privileges.h).
    base::FsIdentityScope asReader(base::configFileReader());
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0)
        return failed("cannot stat user database " + file_.string() + ": " + std::strerror(errno));
    if (passwd::signatureOf(st) == current()->signature) {
        std::lock_guard lock(mu_);
        lastFailure_.clear();  // the file we have is back: a new failure is news again
        return true;
    }
    if (!wait) {
        // A login's recheck does not parse again a file already refused (SIGHUP does).
        std::lock_guard lock(mu_);
        if (rejected_ && rejected_->signature == passwd::signatureOf(st)) return false;
    }
    std::shared_ptr<UserDbSnapshot> snap;
    try {
        snap = loadSnapshot(file_, options_);
    } catch (const UserDbError& e) {
        return failed(e.what());
    }
    // A file with lines that cannot be read, or with nobody in it, is taken for a
    // mistake (an edit gone wrong, a half-written copy), not for the new list of users:
    // logging everyone out for it would be worse than keeping the old list a while.
    auto inUse = current();
    const std::size_t usersInUse = inUse->parsed.entries.size();
    if (auto why = rejection(file_, snap->parsed, inUse->parsed)) {
        std::lock_guard lock(mu_);
        rejected_ = std::make_unique<detail::FileVersion>(detail::FileVersion{snap->signature});
        if (*why != lastFailure_)
            log::error("user database reload failed, keeping the previous one (" +
                       std::to_string(usersInUse) + " users): " + *why);
        lastFailure_ = *why;
        return false;
    }
    for (const auto& w : snap->parsed.warnings)
        log::warn("user database " + file_.string() + ": " + w);
    log::info("user database " + file_.string() +
              " reread: " + std::to_string(snap->parsed.entries.size()) + " users");
    std::lock_guard lock(mu_);
    snapshot_ = std::move(snap);
    lastFailure_.clear();
    return true;
}

namespace {

const Entry* findEntry(const Parsed& parsed, std::string_view login,
                       const std::string& defaultDomain) {
    auto find = [&](const std::string& key) -> const Entry* {
        auto it = parsed.byKey.find(key);
        return it == parsed.byKey.end() ? nullptr : &parsed.entries[it->second];
    };
    if (login.empty()) return nullptr;
    auto at = login.rfind('@');
    if (at == std::string_view::npos) {
        // Courier appends DEFDOMAIN to a login without '@'; a file that lists bare names
        // still finds the bare name.
        if (!defaultDomain.empty())
            if (auto e = find(std::string(login) + "@" + defaultDomain)) return e;
        return find(std::string(login));
    }
    if (auto e = find(passwd::nameKey(login))) return e;
    // "alice@example.com" with DEFDOMAIN=@example.com is the same person as "alice".
    if (!defaultDomain.empty() && passwd::lower(login.substr(at + 1)) == defaultDomain)
        return find(std::string(login.substr(0, at)));
    return nullptr;
}

// The account of a line, as every way of logging in answers it.
Identity identityOf(const Entry& e) {
    Identity id{e.info.name, e.info.maildir};
    id.home = e.info.home;
    id.uid = parseAccountId<uid_t>(e.info.uid);
    id.gid = parseAccountId<gid_t>(e.info.gid);
    id.quota = extraField(e.info.extra, "quota");
    id.groups = splitGroups(extraField(e.info.extra, "group"));
    return id;
}

}  // namespace

AuthResult UserDatabase::authenticate(std::string_view user, std::string_view password,
                                      std::string_view clientAddress) {
    (void)clientAddress;
    maybeReload();
    auto snap = current();
    const Entry* e = findEntry(snap->parsed, user, defaultDomain_);
    bool ok = false;
    const char* why = "wrong password";
    if (e && e->kind == Kind::Plain) {
        ok = plainEquals(e->secret, password);
    } else if (e && e->kind == Kind::Scram) {
        // LOGIN and AUTHENTICATE PLAIN for a user whose file line holds SCRAM keys: the
        // password's keys with the stored salt must give the stored key.
        auto stored = parseDovecotScram(e->secret);
        ok = stored && [&] {
            auto given = scramKeysFor(password, stored->salt, stored->iterations);
            return CRYPTO_memcmp(given.storedKey.data(), stored->storedKey.data(),
                                 stored->storedKey.size()) == 0;
        }();
    } else if (e && e->kind == Kind::Crypt) {
        auto r = cryptCheck(e->secret, password);
        if (r == CryptResult::Unverifiable) {
            burnOneVerification(snap->dummySetting, password);
            why = "libcrypt cannot verify this user's hash";
        }
        ok = r == CryptResult::Match;
    } else {
        // No such user, an empty password field, or an unusable hash: the same time as a
        // real verification, so the answer's timing does not tell them apart.
        burnOneVerification(snap->dummySetting, password);
        why = !e                            ? "unknown user"
              : e->kind == Kind::NoPassword ? "empty password field (account disabled)"
                                            : "unusable password hash (account locked?)";
    }
    if (!ok) return AuthResult::refused(why);
    return {AuthResult::Verdict::Accepted, identityOf(*e)};
}

std::optional<ChallengeAccount> UserDatabase::challengeAccount(std::string_view login) {
    maybeReload();
    auto snap = current();
    const Entry* e = findEntry(snap->parsed, login, defaultDomain_);
    if (!e || (e->kind != Kind::Plain && e->kind != Kind::Scram)) return std::nullopt;
    ChallengeAccount account{identityOf(*e), std::nullopt, {}};
    if (e->kind == Kind::Scram) {
        account.scram = parseDovecotScram(e->secret);
    } else {
        // The salt of the made-up keys for this name: stable, so a client that caches its
        // salted password sees the same salt each time.
        account.scram =
            scramKeysFor(e->secret, decoyScramKeys(passwd::nameKey(e->info.name)).salt, 4096);
        account.plainPassword = e->secret;
    }
    return account;
}

bool UserDatabase::servesScram() {
    return current()->anyScram;
}

bool UserDatabase::servesCramMd5() {
    return current()->anyPlain;
}

std::optional<std::string> UserDatabase::accountKey(std::string_view login) {
    if (auto info = lookup(login)) return passwd::nameKey(info->name);
    return std::nullopt;
}

std::optional<UserInfo> UserDatabase::lookup(std::string_view login) {
    maybeReload();
    auto snap = current();
    const Entry* e = findEntry(snap->parsed, login, defaultDomain_);
    if (!e) return std::nullopt;
    return e->info;
}

std::size_t UserDatabase::userCount() const {
    return current()->parsed.entries.size();
}

std::vector<std::string> UserDatabase::warnings() const {
    return current()->parsed.warnings;
}

// ---------------------------------------------------------------------------------------
// Hashing.

std::optional<HashScheme> parseHashScheme(std::string_view name) {
    auto n = passwd::upper(name);
    if (n == "YESCRYPT" || n == "CRYPT") return HashScheme::Yescrypt;
    if (n == "SHA512-CRYPT") return HashScheme::Sha512Crypt;
    if (n == "BLF-CRYPT" || n == "BCRYPT") return HashScheme::BlfCrypt;
    return std::nullopt;
}

std::string hashPassword(std::string_view password, HashScheme scheme, unsigned long cost) {
    const char* prefix = "$y$";
    std::string label = "{CRYPT}";  // Dovecot has no name for yescrypt; CRYPT hands it to libcrypt
    switch (scheme) {
        case HashScheme::Yescrypt:
            break;
        case HashScheme::Sha512Crypt:
            prefix = "$6$";
            label = "{SHA512-CRYPT}";
            break;
        case HashScheme::BlfCrypt:
            prefix = "$2b$";
            label = "{BLF-CRYPT}";
            if (cost == 0) cost = 10;
            break;
    }
    Phrase phrase(password);
    if (!phrase.acceptable)
        throw UserDbError("a password must be shorter than " +
                          std::to_string(CRYPT_MAX_PASSPHRASE_SIZE) + " bytes and contain no NUL");
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // No random bytes passed in: libcrypt reads them from the kernel (getentropy).
    if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting))
        throw UserDbError(std::string("libcrypt cannot make a salt for ") + prefix + " with cost " +
                          std::to_string(cost) + ": " + std::strerror(errno));
    CryptState state;
    const char* out = state.run(phrase.text.c_str(), setting);
    if (!out) throw UserDbError("libcrypt failed to hash the password");
    return label + out;
}

}  // namespace maildex::core::auth
