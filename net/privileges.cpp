// The server's privilege drop and identity switching (net/privileges.h).

#include "net/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/fs_identity.h"
#include "base/log.h"
#include "core/config_file.h"

namespace maildex::net {

namespace {

constexpr unsigned long long kKept = (1ull << CAP_SETUID) | (1ull << CAP_SETGID);

[[noreturn]] void fail(const std::string& user, const std::string& what) {
    throw core::ConfigError("MAILDEX_USER: cannot become '" + user + "': " + what + ": " +
                            std::strerror(errno));
}

}  // namespace

void dropPrivilegesTo(const std::string& user) {
    passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw core::ConfigError("MAILDEX_USER: no such user '" + user + "'");
    // The bounding set first (that needs CAP_SETPCAP, which goes with the uid): no exec'd
    // program can get back what is dropped here.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
        if (!((kKept >> cap) & 1) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            fail(user, "dropping capability " + std::to_string(cap));
    // Keep the permitted set across setuid; then narrow it to the two kept.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail(user, "PR_SET_KEEPCAPS");
    if (::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 ||
        ::setuid(pw->pw_uid) != 0)
        fail(user, "setuid");
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    data[0].effective = data[0].permitted = static_cast<std::uint32_t>(kKept);
    if (::syscall(SYS_capset, &header, data) != 0) fail(user, "capset");
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    // The certificates and the user database stay root's: reread as their owner.
    base::setConfigFileReader(base::FsIdentity{0, 0});
    log::info("running as " + user + " (uid " + std::to_string(pw->pw_uid) +
              ") with CAP_SETUID and CAP_SETGID only, for each user's own identity");
}

bool enableUserIdentities() {
    bool on = base::canSwitchFsIdentity();
    base::enableFsIdentitySwitching(on);
    return on;
}

}  // namespace maildex::net
