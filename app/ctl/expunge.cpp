// maildexctl expunge --mailbox NAME --older-than AGE [--dry-run] PATH... | --user | --all

#include <sys/stat.h>
#include <time.h>

#include <iostream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "index/error.h"
#include "index/expire.h"
#include "index/mailstore.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl expunge --mailbox NAME --older-than AGE [--dry-run]\n"
    "                          PATH... | --user NAME | --all\n"
    "\n"
    "Removes old messages from a folder the way Courier's IMAP_EMPTYTRASH does (its\n"
    "default 'Trash:7' is '--mailbox Trash --older-than 7d'): a message goes when its\n"
    "file's ctime is older than AGE. The ctime, not the message's date, because it\n"
    "changes when the file is moved or renamed: it tells when the message was put into\n"
    "the folder (or last had a flag changed). Messages are expunged through the index,\n"
    "so sessions with the folder open see ordinary EXPUNGE responses.\n"
    "\n"
    "  --mailbox NAME   the folder as Courier's IMAP_EMPTYTRASH names it: its directory\n"
    "                   name without the dot (Trash, Archive.2024; INBOX for INBOX);\n"
    "                   'INBOX.Trash' is taken as Trash. Repeatable. A Maildir without\n"
    "                   the folder is skipped with a warning naming both (exit code 1).\n"
    "  --older-than AGE a number with d (days), h, m or s; a bare number is days\n"
    "  --dry-run        count what would go; remove nothing\n"
    "\n";

std::int64_t parseAge(const std::string& text) {
    if (text.empty()) throw UsageError("--older-than needs an age such as 7d");
    std::int64_t unit = 86400;
    std::string digits = text;
    switch (text.back()) {
        case 'd':
            unit = 86400;
            digits.pop_back();
            break;
        case 'h':
            unit = 3600;
            digits.pop_back();
            break;
        case 'm':
            unit = 60;
            digits.pop_back();
            break;
        case 's':
            unit = 1;
            digits.pop_back();
            break;
        default:
            break;
    }
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
        digits.size() > 9)
        throw UsageError("--older-than takes a number with d, h, m or s, not '" + text + "'");
    return std::stoll(digits) * unit;
}

}  // namespace

int runExpunge(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp << "\n" << kExitCodeHelp;
        return kExitOk;
    }
    auto mailboxes = args.values("--mailbox");
    auto age = args.value("--older-than");
    bool dryRun = args.flag("--dry-run");
    auto indexDir = takeIndexDir(args);
    auto targetOptions = takeTargetOptions(args);
    auto rest = args.finish();
    if (mailboxes.empty()) throw UsageError("say which folder: --mailbox NAME");
    if (!age) throw UsageError("say how old: --older-than AGE (e.g. 7d)");
    std::int64_t maxAge = parseAge(*age);
    for (auto& m : mailboxes) {
        if (m.size() > 6 && m.compare(0, 6, "INBOX.") == 0) m = m.substr(6);
        if (m == "INBOX") m.clear();
    }
    auto targets = resolveTargets(targetOptions, rest);

    Progress progress(targets.size());
    std::size_t done = 0, failed = 0, examined = 0, removed = 0, missing = 0;
    std::uint64_t bytes = 0;
    const std::int64_t now = ::time(nullptr);
    for (size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        progress.maildir(i);
        try {
            AsMaildirOwner owner(t.maildir);  // files made belong to the user
            auto store = index::Mailstore::open({t.maildir, indexDir});
            for (size_t k = 0; k < mailboxes.size(); ++k) {
                const auto& name = mailboxes[k];
                if (!store->exists(name)) {
                    ++missing;
                    progress.say(std::cerr, "maildexctl expunge: warning: " + t.label +
                                                ": no folder '" + (name.empty() ? "INBOX" : name) +
                                                "' (skipped)");
                    continue;
                }
                auto folder = store->folder(name);
                if (dryRun) {
                    for (auto uid : folder->uids()) {
                        ++examined;
                        auto path = folder->path(uid);
                        struct stat st;
                        if (path && ::stat(path->c_str(), &st) == 0 &&
                            st.st_ctim.tv_sec < now - maxAge) {
                            ++removed;
                            bytes += static_cast<std::uint64_t>(st.st_size);
                        }
                    }
                } else {
                    auto r = index::expungeOlderThan(*folder, maxAge, now);
                    examined += r.examined;
                    removed += r.expunged;
                    bytes += r.bytes;
                }
                progress.folder(k + 1, mailboxes.size(), folder->messageCount());
            }
            ++done;
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl expunge: " + failure(t, e.what()));
            ++failed;
        }
    }
    progress.finish();
    std::string text = std::string(dryRun ? "Dry run: " : "") + "Looked at " +
                       plural(examined, "message", "messages") + " in " + withCommas(done) +
                       " of " + plural(targets.size(), "Maildir", "Maildirs") + "; " +
                       withCommas(removed) +
                       (dryRun         ? " would be"
                        : removed == 1 ? " was"
                                       : " were") +
                       " expunged (" + plural(static_cast<size_t>(bytes), "byte", "bytes") +
                       ") because their files were last changed more than " + *age + " ago.";
    if (missing)
        text += " " + plural(missing, "folder was", "folders were") + " not found (above).";
    if (failed) text += " " + plural(failed, "Maildir", "Maildirs") + " failed (above).";
    printParagraph(std::cout, text);
    if (failed) return kExitFailed;
    return missing ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
