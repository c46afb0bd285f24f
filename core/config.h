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
    // Told of every finished command of every session (the server's metrics); here rather
    // than in each session, since it is the same for all of them.
    std::function<void(const CommandRecord&)> commandObserver;
    // MAILDEX_ALLOW_ROOT_MAIL: where the server switches to each user's identity (it runs
    // as root), a login whose Maildir would be served as uid 0 is refused unless this is
    // set (core/maildir_owner.h).
    bool allowRootMail = false;
};

}  // namespace maildex::core
