#pragma once
// What the IMAP engine needs to know from the configuration. The network layer fills it
// from maildex.conf; stdin/stdout mode and tests use the defaults.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
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
    // IMAP_EMPTYTRASH: at login, remove from these folders the messages that arrived
    // (file ctime) more than so many seconds ago, as Courier does.
    std::vector<std::pair<std::string, std::int64_t>> emptyTrash;
    // MAILDEX_QUOTA_WARN and MAILDEX_QUOTA_WARN_MESSAGE: the warning put into INBOX when
    // the Maildir is that full, checked at login and after each APPEND, COPY and MOVE
    // (index/quota_warning.h). Off (0) by default, as deliverquota without -w.
    index::QuotaWarningSettings quotaWarning{0, "/etc/courier/quotawarnmsg"};
    // Told of every finished command of every session (the server's metrics); here rather
    // than in each session, since it is the same for all of them.
    std::function<void(const CommandRecord&)> commandObserver;
};

}  // namespace maildex::core
