// servingIdentity (core/maildir_owner.h): the identity a login's Maildir is served under.

#include "core/maildir_owner.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace maildex::core {

std::optional<base::FsIdentity> servingIdentity(const Identity& account, bool allowRoot) {
    if (!base::fsIdentitySwitching()) return std::nullopt;
    const auto& maildir = account.maildir;
    base::FsIdentity id;
    if (account.uid && account.gid) {
        id = {*account.uid, *account.gid};
    } else {
        // The server's own look at the Maildir (stat needs no permission on it).
        struct stat st {};
        if (::stat(maildir.c_str(), &st) != 0)
            throw MaildirOwnerRefused("cannot find the owner of " + maildir.string() + ": " +
                                      std::strerror(errno));
        id = {account.uid.value_or(st.st_uid), st.st_gid};
    }
    if (id.uid == 0) {
        if (allowRoot) return std::nullopt;
        throw MaildirOwnerRefused(
            maildir.string() +
            " would be served as uid 0 (root), which is refused: give the "
            "user a uid of its own (user database, authdaemond) or a Maildir it owns, or set "
            "MAILDEX_ALLOW_ROOT_MAIL=YES");
    }
    return id;
}

}  // namespace maildex::core
