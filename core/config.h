#pragma once
// What the IMAP engine needs to know from the configuration. The network layer fills it
// from maildex.conf; stdin/stdout mode and tests use the defaults.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/imap/receiver.h"
#include "index/quota_warning.h"

namespace maildex::core {

struct CommandRecord;

struct ImapConfig {
    std::filesystem::path indexDir;     // MAILDEX_INDEX_DIR; empty: in each Maildir
    std::string trashFolder = "Trash";  // IMAP_TRASHFOLDERNAME
    ReceiverLimits limits;
    // Untagged "* OK Still here" while in IDLE, so NAT boxes keep the connection.
    std::chrono::seconds idleKeepalive{120};
    std::string greeting = "Maildex ready.";
    // IMAP_CAPABILITY (before TLS) and IMAP_CAPABILITY_TLS (once TLS is on; IMAP_CAPABILITY
    // when unset): what a Courier site chose to advertise. Unset: everything Maildex can
    // do. See core/capability_filter.h.
    std::optional<std::vector<std::string>> capabilities;
    std::optional<std::vector<std::string>> capabilitiesTls;
    // IMAP_DISABLETHREADSORT: SORT and THREAD stay advertised (if listed) but are refused,
    // as Courier does, so clients do not fetch whole folders to sort them themselves.
    bool disableThreadSort = false;
    // IMAP_EMPTYTRASH: at login, remove from these folders the messages that arrived
    // (file ctime) more than so many seconds ago, as Courier does.
    std::vector<std::pair<std::string, std::int64_t>> emptyTrash;
    // IMAP_ACL: the ACL commands and capabilities (RFC 4314). Off, the folders'
    // courierimapacl lists still decide what each user may do, as they do in Courier.
    bool acl = true;
    // IMAP_SHAREDINDEXFILE: Courier's index of the accounts whose folders others may be
    // granted (core/shared_index.h), served as "#shared.<account>.<folder>". Empty: none.
    // An account's OPTIONS sharedgroup=X reads the file named with X appended, as Courier.
    std::filesystem::path sharedIndexFile;
    // MAILDEX_QUOTA_WARN and MAILDEX_QUOTA_WARN_MESSAGE: the warning put into INBOX when
    // the Maildir is that full, checked at login and after each APPEND, COPY and MOVE
    // (index/quota_warning.h). Off (0) by default, as deliverquota without -w.
    index::QuotaWarningSettings quotaWarning{0, "/etc/courier/quotawarnmsg"};
    // MAILDEX_BULLETIN_DIR: the administrator's bulletins, each delivered once into every
    // user's INBOX at login (index/bulletins.h). Empty (the default): none.
    std::filesystem::path bulletinDir;
    // Told of every finished command of every session (the server's metrics); here rather
    // than in each session, since it is the same for all of them.
    std::function<void(const CommandRecord&)> commandObserver;
    // MAILDEX_ALLOW_ROOT_MAIL: where the server switches to each user's identity (it runs
    // as root), a login whose Maildir would be served as uid 0 is refused unless this is
    // set (core/maildir_owner.h).
    bool allowRootMail = false;
};

}  // namespace maildex::core
