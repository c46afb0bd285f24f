#pragma once
// The interface through which LOGIN and AUTHENTICATE check credentials. The server plugs in
// core/auth/authentication.h (the back ends in order, and login pacing); stdin/stdout mode
// is pre-authenticated and has none.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/scram.h"

namespace maildex::core {

// The account a login maps to: what an authentication back end answers with
// (core/auth/backend.h), and all that the rest of the server learns of the login. The
// session serves `maildir` as `user`; the other fields carry what back ends such as
// Courier's authdaemond know (each user's own uid/gid, a Maildir++ quota, authlib's
// OPTIONS) to where it will be used, and nothing acts on them yet.
struct Identity {
    std::string user;  // canonical login name
    std::filesystem::path maildir;
    std::filesystem::path home{};  // empty: the back end names none
    std::optional<uid_t> uid{};    // nullopt: the back end names none
    std::optional<gid_t> gid{};
    std::string quota{};  // Maildir++ form ("50000000S,5000C"); empty: none named
    std::map<std::string, std::string> options{};  // authlib's OPTIONS: "disableimap" -> "1"
    // The groups ACL entries "group=NAME" name (and "administrators"): authlib's OPTIONS
    // "group=NAME" entries, or the user database's extra field "group=a,b".
    std::vector<std::string> groups{};
};

// What a challenge-response login (SCRAM-SHA-256, CRAM-MD5) needs of an account before the
// client has proved anything: the keys to check the proof against, and the account it
// opens. Only a database that holds SCRAM keys or the password itself can give them.
struct ChallengeAccount {
    Identity identity;
    std::optional<auth::ScramKeys> scram;  // from {SCRAM-SHA-256}, or from a {PLAIN} password
    std::string plainPassword;             // {PLAIN} only (CRAM-MD5); empty otherwise
};

// What checking a login found.
struct LoginCheck {
    std::optional<Identity> identity;  // set when the credentials are right
    // No back end accepted, and one of them could not tell (its daemon is down, it timed
    // out): the client hears "try again later" (NO [UNAVAILABLE]), not "wrong password".
    bool unavailable = false;
};

class Authenticator {
  public:
    virtual ~Authenticator() = default;
    // Implementations compare in constant time, and the caller owns delays between
    // failures.
    virtual LoginCheck check(std::string_view user, std::string_view password,
                             std::string_view clientAddress) = 0;
    // check()'s identity alone: nullopt for wrong credentials or an unavailable back end.
    std::optional<Identity> verify(std::string_view user, std::string_view password,
                                   std::string_view clientAddress) {
        return check(user, password, clientAddress).identity;
    }

    // Login pacing (core/auth/login_throttle.h has the policy). A login asks admit() before
    // verify(): false refuses it unchecked. Then settle() with the verdict says how long
    // to hold back the answer, right or wrong (nullopt: refuse it without telling the
    // verdict). The defaults pace nothing.
    // The account of a challenge-response login; nullopt when no back end can serve one
    // for this name (unknown, or its password is a one-way hash). Paced like check().
    virtual std::optional<ChallengeAccount> challengeAccount(std::string_view /*user*/) {
        return std::nullopt;
    }
    // Whether the accounts can serve SCRAM-SHA-256 (SCRAM keys or plain passwords) and
    // CRAM-MD5 (plain passwords): the mechanism is advertised only then.
    virtual bool offersScram() { return false; }
    virtual bool offersCramMd5() { return false; }

    virtual bool admit(std::string_view /*user*/, std::string_view /*clientAddress*/) {
        return true;
    }
    virtual std::optional<std::chrono::milliseconds> settle(std::string_view /*user*/,
                                                            std::string_view /*clientAddress*/,
                                                            bool /*succeeded*/) {
        return std::chrono::milliseconds{0};
    }
};

}  // namespace maildex::core
