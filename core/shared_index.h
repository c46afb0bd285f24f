#pragma once
// Courier's index of the accounts whose folders may be shared (IMAP_SHAREDINDEXFILE, the
// "virtual shared folders" of Courier-IMAP 4 and 5; tests/fixtures/courier-acl/README.md
// rules 33-38). Each line names an account: "name TAB uid TAB gid TAB home [TAB maildir]"
// (maildir relative to home, "./Maildir" when absent); a line "group TAB * TAB file"
// brings in another index file whose accounts are reached as "<group>.<name>". Sites
// write it with Courier's sharedindexinstall from authenumerate.
//
// The index only says where the Maildirs are: what another user may see and do there is
// each folder's courierimapacl, read by core/commands/folder_rights.h.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::core {

struct SharedAccount {
    // What follows "#shared." in the names of its folders: "alice", or "team.alice" for
    // an account of the group file "team".
    std::string path;
    uid_t uid = 0;
    gid_t gid = 0;
    std::filesystem::path maildir;
    // The identifier that stands for the folders' owner when they are reached through
    // #shared (Courier: "vendor=courier.internal" for a flat index, "user=<group>" for a
    // grouped one). The account itself is only "user=<name>" there: its "owner" entries
    // never apply to anyone else.
    std::string ownerLogin;
};

using SharedAccounts = std::vector<SharedAccount>;

// The accounts of an index file and the group files it names. A line Courier would
// reject (too few fields, uid or gid 0 or not a number, an empty name, a name with "."
// or "/") is skipped and reported through `warn` with the file and line number; a
// missing file is an empty index. Throws nothing.
SharedAccounts parseSharedIndex(const std::filesystem::path& file,
                                const std::function<void(const std::string&)>& warn);

// The same through a process-wide cache, read again when the file (or a group file)
// changed; warnings go to the log once per reading.
std::shared_ptr<const SharedAccounts> sharedIndex(const std::filesystem::path& file);

// Splits "#shared.<path>.<rest>" against the accounts: the account and the rest (the
// folder's name inside its Maildir, as the client wrote it). nullptr when no account's
// path matches (case-sensitive, as in Courier). `rest` is empty for "#shared.<path>".
const SharedAccount* findSharedAccount(const SharedAccounts& accounts, std::string_view name,
                                       std::string_view& rest);

inline constexpr std::string_view kSharedPrefix = "#shared.";

// Courier's filesystem shared folders (maildirmake -S, linked in by "maildirmake --add",
// served by Courier as "shared.<name>") are a per-user symlink farm Maildex does not
// serve; a Maildir that has them (its shared-maildirs file) is logged once per process,
// so the site hears of it rather than its users finding them missing.
void noteFilesystemSharedFolders(const std::filesystem::path& maildir);

}  // namespace maildex::core
