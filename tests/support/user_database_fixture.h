#pragma once
// What the user database tests share (tests/unit/user_database*_test.cpp): hashes made by
// other tools, a log capture, and a fixture with a file that is replaced as editors and
// maildexctl replace it. In a named namespace, not an anonymous one: GoogleTest wants one
// fixture type for the whole UserDbTest suite across the files.

#include <crypt.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "core/auth/user_database.h"
#include "tests/support/temp_maildir.h"

namespace maildex::core::auth {

// Known hashes of "correct horse battery staple", made once by other tools and pasted:
//   openssl passwd -6 -salt Ma1ldexSalt 'correct horse battery staple'   (OpenSSL 3.0)
constexpr const char* kSha512 =
    "$6$Ma1ldexSalt$n0A27KcAyMZ9JPEKz4wd2SbFHImsM2lZQ8TOoOEtCt7hpORJzYcX5IxsXlC/15MIbsuv3YSNoS5f"
    "V7ybzfABx0";
//   openssl passwd -5 -salt Ma1ldexSalt 'correct horse battery staple'
constexpr const char* kSha256 = "$5$Ma1ldexSalt$Sw1YuK9T67MvythNy29q1Ki0w0b13nbiEcxONo.FdJ3";
//   openssl passwd -1 -salt Ma1ldex 'correct horse battery staple'
constexpr const char* kMd5 = "$1$Ma1ldex$adDh.3u8bdnkv6iHn4DqD.";
//   python3 -c "import crypt; print(crypt.crypt('correct horse battery staple',
//               '\$y\$j9T\$F5Jx5fExrKuPp53xLKQ..1\$'))"   (Debian 12's libxcrypt)
constexpr const char* kYescrypt =
    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$y8e1eitiNDaQsFFW6d.9KbSTlk5zV3R3coZQtfcNAO5";
constexpr const char* kKnownPassword = "correct horse battery staple";
// The first test vector of Openwall's crypt_blowfish (password "U*U").
constexpr const char* kBcryptVector =
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

// A hash made here with libcrypt, for the schemes without a pasted one.
inline std::string cryptHash(const std::string& password, const char* prefix,
                             unsigned long cost = 0) {
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting))
        throw std::runtime_error("gensalt");
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
    if (!out) throw std::runtime_error("crypt_rn");
    return out;
}

// Collects what the code logs, so tests can look for the warnings.
class LogCapture {
  public:
    LogCapture() {
        log::setSink([this](log::Level level, std::string_view m) {
            std::lock_guard lock(mu_);
            lines_.push_back((level == log::Level::Warn ? "warn: " : "other: ") + std::string(m));
        });
    }
    ~LogCapture() { log::setSink({}); }
    std::vector<std::string> lines() {
        std::lock_guard lock(mu_);
        return lines_;
    }
    std::size_t count(const std::string& needle) {
        auto l = lines();
        return static_cast<std::size_t>(std::count_if(
            l.begin(), l.end(), [&](const std::string& s) { return s.find(needle) != s.npos; }));
    }

  private:
    std::mutex mu_;
    std::vector<std::string> lines_;
};

inline std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline bool contains(const std::vector<std::string>& v, const std::string& needle) {
    return std::any_of(v.begin(), v.end(),
                       [&](const std::string& s) { return s.find(needle) != s.npos; });
}

// The passwd-file back end's answer as these tests check it: the account when the password
// is accepted, nullopt when not.
inline std::optional<Identity> verify(UserDatabase& db, std::string_view user,
                                      std::string_view password, std::string_view address) {
    auto result = db.authenticate(user, password, address);
    if (result.verdict != AuthResult::Verdict::Accepted) return std::nullopt;
    return result.identity;
}

struct UserDbTest : ::testing::Test {
    test::TempMaildir tmp;
    std::filesystem::path file = tmp.root() / "users";
    std::string home = tmp.root().string();

    // Replaces the file the way editors and maildexctl do: a new inode renamed over it.
    void write(const std::string& text, mode_t mode = 0600) {
        auto t = std::filesystem::path(file.string() + ".new");
        {
            std::ofstream out(t, std::ios::binary | std::ios::trunc);
            out << text;
        }
        ::chmod(t.c_str(), mode);
        std::filesystem::rename(t, file);
    }
    UserDatabaseOptions instant() {
        UserDatabaseOptions o;
        o.recheckInterval = std::chrono::milliseconds{0};
        return o;
    }
};

}  // namespace maildex::core::auth
