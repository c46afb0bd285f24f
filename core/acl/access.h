#pragma once
// Who is asking, and what a folder's access control list grants them (ACL2=UNION, as
// Courier computes it: the union of the rights of every entry that names the user,
// minus the union of the negative entries that name them).
//
// The identifiers (Courier's, shared/spec/courier-formats.md 6 and
// tests/fixtures/courier-acl/README.md): "owner" (the account whose Maildir it is),
// "anyone" and "anonymous" (everyone), "authuser" (nobody, as in Courier),
// "administrators" (Courier's name for "group=administrators"), "user=NAME",
// "group=NAME"; a leading "-" makes an entry negative.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/acl/rights.h"
#include "index/courier_acl.h"

namespace maildex::core::acl {

struct Accessor {
    std::string user;                 // the login name
    std::vector<std::string> groups;  // from the user database or authlib's OPTIONS
    bool owner = true;                // the folder is in this user's own Maildir

    bool inGroup(std::string_view group) const;
    bool administrator() const { return inGroup("administrators"); }
};

// What tells a session that its selected folder's list may have changed: a count of the
// lists written in this process (any of them: a folder may inherit its parent's), and
// the folder's own courierimapacl as another process may have rewritten it (Courier, or
// maildiracl). A change to a parent's file by another process is seen at the next SELECT.
struct ListSignature {
    std::uint64_t generation = 0;
    std::uint64_t inode = 0;
    std::int64_t mtimeNs = 0;
    bool operator==(const ListSignature&) const = default;
};

// Whether an identifier (without a leading "-") names the accessor.
bool names(std::string_view identifier, const Accessor& who);

// The accessor's rights on a folder with this list. The owner of a Maildir always holds
// "a" (Courier: the owner may always fix the list).
Rights rightsOf(const index::CourierAcl& acl, const Accessor& who);

// Whether Courier would write this list for a Maildir owned by `ownerLogin`
// (maildir_acl_write's checks): the owner must keep "l" and "a" through "owner", "anyone"
// or "anonymous" entries (and with "user=<ownerLogin>" added), and "administrators" must
// keep every right. A list that fails would lock the owner or the administrators out.
bool ownerAndAdministratorsKeepTheirRights(const index::CourierAcl& acl,
                                           std::string_view ownerLogin);

// A list as Courier writes it for a new folder (its parent's) or for the level a deleted
// folder leaves (its own): when the owner would lack "l" or "a" there, the owner's entry
// gains them, so a folder the user creates is one they can see and administer.
void giveOwnerLookupAndAdminister(index::CourierAcl& acl, std::string_view ownerLogin);

// The identifier as IMAP shows it: "user=bob" reads "bob", "-user=bob" reads "-bob";
// the others as they are.
std::string shownIdentifier(std::string_view stored);

// The identifier as courierimapacl stores it: a bare name gains "user=", keeping a
// leading "-" in front. Returns "" for one that cannot be stored (empty, blanks,
// control bytes).
std::string storedIdentifier(std::string_view fromClient);

}  // namespace maildex::core::acl
