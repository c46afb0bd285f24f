// maildexctl export courier PATH... | --user NAME | --all

#include <iostream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "index/export_courier.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl export courier PATH... | --user NAME | --all\n"
    "\n"
    "The way back to Courier-IMAP: writes Courier's files from the index so Courier's\n"
    "imapd shows every folder with the same UIDVALIDITY, every message with the same\n"
    "UID, flags and keywords, and the same subscriptions: courierimapuiddb and\n"
    "courierimapkeywords/:list of every folder (whole), courierimapsubscribed, and\n"
    "maildirsize recalculated under its quota when the Maildir has one. Maildex keeps\n"
    "these files current as it works; the export makes them complete at one moment and\n"
    "may run while the server runs. Stop Maildex before starting Courier on the Maildir.\n"
    "\n"
    "Warnings say what Courier cannot show the same way: a namespace without the\n"
    "'INBOX.' prefix (a Maildir migrated from Dovecot) and folder directories in\n"
    "modified UTF-7 (Courier 5 shows those literally; Courier 4 as before).\n"
    "\n";

}  // namespace

int runExport(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp << "\n" << kExitCodeHelp;
        return kExitOk;
    }
    auto indexDir = takeIndexDir(args);
    auto targetOptions = takeTargetOptions(args);
    auto rest = args.finish();
    if (rest.empty() || rest[0] != "courier") throw UsageError("say what to export to: courier");
    rest.erase(rest.begin());
    auto targets = resolveTargets(targetOptions, rest);

    Progress progress(targets.size());
    std::size_t done = 0, failed = 0, warnings = 0, folders = 0, messages = 0, keywords = 0,
                quotas = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        progress.maildir(i);
        try {
            AsMaildirOwner owner(t.maildir);  // files made belong to the user
            auto r = index::exportCourier(
                {t.maildir, indexDir,
                 [&](std::size_t d, std::size_t n, std::size_t m) { progress.folder(d, n, m); }});
            for (const auto& w : r.warnings)
                progress.say(std::cerr, "warning: " + t.label + ": " + w);
            warnings += r.warnings.size();
            folders += r.folders;
            messages += r.messages;
            keywords += r.messagesWithKeywords;
            quotas += r.quotaRecalculated ? 1 : 0;
            ++done;
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl export: " + failure(t, e.what()));
            ++failed;
        }
    }
    progress.finish();
    std::string text = "Exported " + withCommas(done) + " of " +
                       plural(targets.size(), "Maildir", "Maildirs") + " for Courier-IMAP (" +
                       plural(folders, "folder", "folders") + ", " +
                       plural(messages, "message", "messages") + ", " + withCommas(keywords) +
                       " of them with keywords) in " + duration(progress.seconds()) +
                       ": courierimapuiddb, courierimapkeywords/ and courierimapsubscribed " +
                       "now say what Maildex's index says; " + withCommas(quotas) +
                       " maildirsize files were recalculated.";
    if (warnings)
        text += " " + withCommas(warnings) +
                " warnings (above) say what Courier will show "
                "differently.";
    if (failed) text += " " + plural(failed, "Maildir", "Maildirs") + " failed (above).";
    printParagraph(std::cout, text);
    if (failed) return kExitFailed;
    return warnings ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
