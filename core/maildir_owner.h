#pragma once
// Which filesystem identity a login's Maildir is served under: the one place that decides
// (design.md, "Security model"; base/fs_identity.h does the switching). Everything done
// for the session afterwards - its commands, the background work on its folders, the index
// database - runs under what this answers.
//
// - The back end's uid and gid (the passwd-file's uid:gid fields, authdaemond's UID/GID,
//   PAM's and checkpassword's passwd entry) when it names a uid; a missing gid is the
//   Maildir's group.
// - Otherwise the owner of the Maildir, as Courier's authlib serves system users whose
//   Maildir is theirs.
// - uid 0 is refused: root's identity would make the kernel's checks moot (unless
//   MAILDEX_ALLOW_ROOT_MAIL says so, for test rigs; then the server's own identity).
// Where switching is off (a server not running as root, maildexctl, stdin/stdout mode),
// the process's own identity: nothing changes for a site that runs as its one mail user.
//
// Other people's folders (ACLs) are opened under their owner's identity, which this also
// answers for that owner's Maildir.

#include <optional>
#include <stdexcept>
#include <string>

#include "base/fs_identity.h"
#include "core/authenticator.h"

namespace maildex::core {

// A login that cannot be served; the message, for the log, names the Maildir and the uid.
struct MaildirOwnerRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// nullopt: the process's own identity. Throws MaildirOwnerRefused.
std::optional<base::FsIdentity> servingIdentity(const Identity& account, bool allowRoot);

}  // namespace maildex::core
