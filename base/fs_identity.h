#pragma once
// The filesystem identity a thread works under: whose files it may touch (design.md,
// "Security model"). A server running as root serves each user's Maildir as that user, so
// the kernel, not only our path checks, keeps users apart: on Linux the filesystem uid and
// gid (setfsuid/setfsgid) and the supplementary groups are per thread, so one worker can
// act for one user while its neighbour acts for another.
//
// FsIdentityScope is the one construct that switches: it puts the calling thread under an
// identity for its lifetime and puts back what was there. Where switching is not enabled
// (a server that is not root: a virtual-mail site running as its one mail user, maildexctl,
// stdin/stdout mode) it does nothing, so code may use it unconditionally.
//
// Files a thread creates under an identity belong to that uid and gid (the kernel takes
// them from the filesystem identity), so nothing needs a chown afterwards. While the
// filesystem uid is not 0 the kernel also takes away the capabilities that bypass file
// permissions (CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN...): a path bug gets EACCES.

#include <sys/types.h>

#include <optional>
#include <string>

namespace maildex::base {

struct FsIdentity {
    uid_t uid = 0;
    gid_t gid = 0;
    // The supplementary groups are the gid alone, as Courier's authlib sets them
    // (libmail_changeuidgid): no other group's files are reachable.
    bool operator==(const FsIdentity&) const = default;
    std::string describe() const;  // "uid 20001 gid 20001", for log lines
};

// Turns switching on for the process: the server calls it once at start-up when it may
// switch (root, or CAP_SETUID and CAP_SETGID kept after MAILDEX_USER). Until then, and in
// every other program, FsIdentityScope does nothing.
void enableFsIdentitySwitching(bool on);
bool fsIdentitySwitching();

// Whether this process may switch: effective CAP_SETUID and CAP_SETGID (root has both).
bool canSwitchFsIdentity();

// The identity the calling thread is under right now; nullopt: the process's own. For
// work handed to another thread (index/background.cpp) to run as whoever asked for it.
std::optional<FsIdentity> currentFsIdentity();

// The identity the server rereads its own files under (TLS certificates, the user
// database, on SIGHUP and when they change): uid and gid 0 after a MAILDEX_USER drop
// (net/privileges.h), so root's 0600 files stay readable; otherwise the process's own.
void setConfigFileReader(std::optional<FsIdentity> reader);
std::optional<FsIdentity> configFileReader();

class FsIdentityScope {
  public:
    // nullopt: the process's own identity (the server's, e.g. root while authenticating).
    // A thread's first scope applies what it asks for whatever the thread inherited from
    // the thread that started it (credentials are copied at thread creation).
    // Throws std::system_error when the kernel refuses the switch (no CAP_SETUID): better
    // than working on as root.
    explicit FsIdentityScope(const std::optional<FsIdentity>& identity);
    ~FsIdentityScope();
    FsIdentityScope(const FsIdentityScope&) = delete;
    FsIdentityScope& operator=(const FsIdentityScope&) = delete;

  private:
    bool switched_ = false;
    std::optional<FsIdentity> previous_;
};

}  // namespace maildex::base
