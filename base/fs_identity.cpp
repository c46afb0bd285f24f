// FsIdentityScope (base/fs_identity.h): the per-thread filesystem identity on Linux.
//
// glibc's setgroups() (like setuid and setgid) changes every thread of the process, by
// signalling each one; the raw system call changes only the calling thread's credentials,
// which is what a worker acting for one user needs. setfsuid and setfsgid are per thread
// in glibc already. They report no error: the only check is asking again.

#include "base/fs_identity.h"

#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace maildex::base {

namespace {

std::atomic<bool> switching{false};
// The process's own supplementary groups, put back when a thread leaves a user's identity.
std::vector<gid_t>& processGroups() {
    static std::vector<gid_t> groups;
    return groups;
}
// Set once, before the threads that read it start.
std::optional<FsIdentity> configReader;
// The identity this thread is under (nullopt: the process's own).
thread_local std::optional<FsIdentity> current;
// A new thread starts with the credentials of the thread that created it, which may have
// been inside a scope (the watcher's thread is started by the first session that opens a
// folder): its first scope applies whatever it asks for, even "the process's own".
thread_local bool known = false;

int setThreadGroups(const std::vector<gid_t>& groups) {
    return static_cast<int>(::syscall(SYS_setgroups, groups.size(), groups.data()));
}

// Puts the calling thread under `id` (nullopt: the process's own identity). Returns 0 or
// the errno that refused it.
int apply(const std::optional<FsIdentity>& id) {
    uid_t uid = id ? id->uid : ::geteuid();
    gid_t gid = id ? id->gid : ::getegid();
    // Groups and gid first: changing them needs CAP_SETGID, which a switched fsuid keeps
    // (only the file capabilities go with a non-zero fsuid).
    if (setThreadGroups(id ? std::vector<gid_t>{gid} : processGroups()) != 0) return errno;
    ::setfsgid(gid);
    if (static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != gid) return EPERM;
    ::setfsuid(uid);
    if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != uid) return EPERM;
    return 0;
}

// Whether the calling thread is under the process's own identity already. A thread that
// lost its capabilities when the process changed user (one created before MAILDEX_USER's
// drop: keeping them is a per-thread setting) cannot set even that, but need not.
bool underProcessIdentity() {
    if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != ::geteuid()) return false;
    if (static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != ::getegid()) return false;
    int n = ::getgroups(0, nullptr);
    std::vector<gid_t> groups(static_cast<std::size_t>(n > 0 ? n : 0));
    if (n > 0 && ::getgroups(n, groups.data()) != n) return false;
    auto mine = processGroups();
    std::sort(groups.begin(), groups.end());
    std::sort(mine.begin(), mine.end());
    return groups == mine;
}

}  // namespace

std::string FsIdentity::describe() const {
    return "uid " + std::to_string(uid) + " gid " + std::to_string(gid);
}

void enableFsIdentitySwitching(bool on) {
    if (on) {
        int n = ::getgroups(0, nullptr);
        std::vector<gid_t> groups(static_cast<std::size_t>(n > 0 ? n : 0));
        if (n > 0 && ::getgroups(n, groups.data()) != n) groups.clear();
        processGroups() = std::move(groups);
    }
    switching = on;
}

bool fsIdentitySwitching() {
    return switching.load(std::memory_order_relaxed);
}

bool canSwitchFsIdentity() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    auto has = [&](int cap) { return (data[cap / 32].effective >> (cap % 32)) & 1u; };
    return has(CAP_SETUID) && has(CAP_SETGID);
}

void setConfigFileReader(std::optional<FsIdentity> reader) {
    configReader = reader;
}

std::optional<FsIdentity> configFileReader() {
    return configReader;
}

std::optional<FsIdentity> currentFsIdentity() {
    return current;
}

FsIdentityScope::FsIdentityScope(const std::optional<FsIdentity>& identity) {
    if (!fsIdentitySwitching() || (known && identity == current)) return;
    if (!known) {
        // Whatever it inherited, this thread is put under what it asks for, and left
        // afterwards under the process's own identity.
        current = std::nullopt;
        known = true;
        if (int err = apply(std::nullopt); err != 0 && !underProcessIdentity())
            throw std::system_error(err, std::generic_category(), "cannot act as the server");
        if (identity == current) return;
    }
    previous_ = current;
    if (int err = apply(identity); err != 0) {
        apply(previous_);  // whatever half of it took, back to where it was
        throw std::system_error(
            err, std::generic_category(),
            "cannot act as " + (identity ? identity->describe() : std::string("the server")));
    }
    current = identity;
    switched_ = true;
}

FsIdentityScope::~FsIdentityScope() {
    if (!switched_) return;
    // Going back needs no privilege the thread lost: CAP_SETUID and CAP_SETGID stay with
    // any fsuid. Should the kernel still refuse, the thread must not go on as the user.
    if (apply(previous_) != 0) std::abort();
    current = previous_;
}

}  // namespace maildex::base
