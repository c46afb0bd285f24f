#pragma once
// The server's privileges: which filesystem identities it may take, and what is left after
// MAILDEX_USER (design.md, "Security model").
//
// - Not root (a virtual-mail site running as its one mail user): nothing to drop, no
//   switching, every file is the server's.
// - Root without MAILDEX_USER: each session's files are touched as the Maildir's owner
//   (base/fs_identity.h, core/maildir_owner.h).
// - MAILDEX_USER: after binding, the process becomes that user and keeps CAP_SETUID and
//   CAP_SETGID only (effective, permitted and bounding sets), for the per-user identities;
//   every other capability is gone, CAP_NET_BIND_SERVICE too (the ports are bound by then
//   and never bound again).
//
// SIGHUP after the drop: the certificates and the user database are typically root's
// (0600 or 0640) and MAILDEX_USER may not read them. They are reread under filesystem uid
// and gid 0 (asRootForReading), through the same per-thread switch a session uses: the
// kernel's owner check lets uid 0 read root's files, while the capabilities that bypass
// permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) stay dropped. No helper process, no
// descriptor kept open across a certificate renewal (which replaces the file), and the
// reload code stays the one that reads them at start-up.

#include <string>

namespace maildex::net {

// Becomes `user` keeping only CAP_SETUID and CAP_SETGID. Throws core::ConfigError.
void dropPrivilegesTo(const std::string& user);

// Turns on per-user identities where the process may switch; returns whether it did.
bool enableUserIdentities();

}  // namespace maildex::net
