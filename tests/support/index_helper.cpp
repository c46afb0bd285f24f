// A separate process working on a Maildir through the index, for tests that need real
// processes: crash injection (the process dies at a named point), several processes
// writing at once, and dumping what a fresh process sees.
//
//   index_helper MAILDIR [--crash-at POINT] [--pending-rows-from N] COMMAND ARGS...
//     append FOLDER COUNT [LETTERS [KEYWORD...]]   COUNT messages, one transaction each
//     store FOLDER UID[,UID...] +|-|= LETTERS [KEYWORD...]   flags as Maildir letters (DFRST)
//     expunge FOLDER               remove \Deleted messages
//     copy|move FOLDER DEST UID... copy or move messages
//     select FOLDER                open read-write (moves new/ to cur/)
//     dump FOLDER                  print UIDVALIDITY, UIDNEXT and every message
// Folder "" or INBOX is the Maildir root. Exit status 86 means the crash point was hit.
// --pending-rows-from: a first index of at least N messages commits them as pending rows
// (index/pending_rows.h), inserted in the background before the helper exits.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "index/background.h"
#include "index/crash_point.h"
#include "index/error.h"
#include "index/flags.h"
#include "index/mailbox_view.h"
#include "index/mailstore.h"

using namespace maildex::index;

namespace {

std::string folderName(const std::string& arg) {
    return arg == "INBOX" ? "" : arg;
}

SystemFlags letters(const std::string& s) {
    SystemFlags f = 0;
    for (char c : s)
        f |= flagForLetter(c);
    return f;
}

int usage() {
    std::cerr << "usage: index_helper MAILDIR [--crash-at POINT] [--pending-rows-from N] "
                 "COMMAND ARGS...\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() < 2) return usage();
    std::string maildir = args[0];
    args.erase(args.begin());
    MailstoreOptions options{maildir, {}};
    while (args.size() >= 2 && args[0].rfind("--", 0) == 0) {
        if (args[0] == "--crash-at")
            setCrashPoint(args[1]);
        else if (args[0] == "--pending-rows-from")
            options.pendingRowsFrom = std::stoul(args[1]);
        else
            return usage();
        args.erase(args.begin(), args.begin() + 2);
    }
    if (args.size() < 2) return usage();
    const std::string command = args[0];
    try {
        auto store = Mailstore::open(options);
        auto folder = store->folder(folderName(args[1]));
        if (command == "append" && args.size() >= 3) {
            int count = std::stoi(args[2]);
            for (int i = 0; i < count; ++i) {
                std::vector<NewMessage> one(1);
                one[0].data = "Subject: appended " + std::to_string(i) + " by " +
                              std::to_string(::getpid()) + "\r\n\r\nbody\r\n";
                if (args.size() >= 4) one[0].flags = letters(args[3]);
                if (args.size() >= 5) one[0].keywords.assign(args.begin() + 4, args.end());
                folder->append(one);
            }
        } else if (command == "store" && args.size() >= 5) {
            FlagChange change;
            change.mode = args[3] == "+"   ? StoreMode::Add
                          : args[3] == "-" ? StoreMode::Remove
                                           : StoreMode::Replace;
            change.flags = letters(args[4]);
            change.keywords.assign(args.begin() + 5, args.end());
            UidList uids;
            for (size_t at = 0; at < args[2].size();) {
                size_t comma = args[2].find(',', at);
                if (comma == std::string::npos) comma = args[2].size();
                uids.push_back(static_cast<std::uint32_t>(std::stoul(args[2].substr(at))));
                at = comma + 1;
            }
            std::sort(uids.begin(), uids.end());
            folder->store(uids, change);
        } else if (command == "expunge") {
            folder->expungeDeleted();
        } else if ((command == "copy" || command == "move") && args.size() >= 4) {
            auto dest = store->folder(folderName(args[2]));
            UidList uids;
            for (size_t i = 3; i < args.size(); ++i)
                uids.push_back(static_cast<std::uint32_t>(std::stoul(args[i])));
            folder->copyTo(uids, *dest, command == "move");
        } else if (command == "select") {
            folder->open(true);
        } else if (command == "dump") {
            auto view = folder->open(false);
            std::cout << "uidvalidity " << folder->uidValidity() << "\nuidnext "
                      << folder->uidNext() << "\n";
            for (const auto& m : view->meta(view->uids())) {
                std::cout << m.uid << " " << infoLetters(m.flags, "");
                for (const auto& k : folder->keywordNames(m.keywords))
                    std::cout << " " << k;
                std::cout << "\n";
            }
        } else {
            return usage();
        }
    } catch (const Error& e) {
        std::cerr << "index_helper: " << e.what() << "\n";
        return 1;
    }
    waitForBackgroundWork();
    return 0;
}
