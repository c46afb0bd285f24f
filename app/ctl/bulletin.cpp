// maildexctl bulletin FILE PATH... | --user NAME | --all: a bulletin (index/bulletins.h)
// delivered now, rather than at each user's next login.

#include <ctime>
#include <iostream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "index/bulletins.h"
#include "index/quota_account.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl bulletin FILE PATH... | --user NAME | --all\n"
    "\n"
    "Puts the bulletin FILE (a message file: headers, a blank line, the body) into the\n"
    "INBOX of each Maildir now, unless that Maildir has had a bulletin of the same file\n"
    "name already: the name is the bulletin's identity, recorded in the Maildir's\n"
    "maildexbulletins file, which the server reads too. So a bulletin in\n"
    "MAILDEX_BULLETIN_DIR sent this way is not delivered again at the next login, and\n"
    "running this twice delivers it once. A Date: header is added when FILE has none.\n"
    "A Maildir whose quota (maildirsize) the bulletin would exceed is left out (a warning;\n"
    "the server tries again at each login if the bulletin is in MAILDEX_BULLETIN_DIR).\n"
    "\n";

}  // namespace

int runBulletin(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp << "\n" << kExitCodeHelp;
        return kExitOk;
    }
    auto targetOptions = takeTargetOptions(args);
    auto rest = args.finish();
    if (rest.empty()) throw UsageError("name the bulletin: maildexctl bulletin FILE ...");
    // Read once, as whoever runs the tool, before taking on any user's identity.
    auto bulletin = index::readBulletin(rest[0]);
    if (!bulletin.text) throw UsageError(rest[0] + ": " + bulletin.problem);
    rest.erase(rest.begin());
    auto targets = resolveTargets(targetOptions, rest);

    Progress progress(targets.size());
    std::size_t delivered = 0, had = 0, over = 0, failed = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        progress.maildir(i);
        try {
            AsMaildirOwner owner(t.maildir);  // the message and the record are the user's
            if (!std::filesystem::is_directory(t.maildir / "new"))
                throw std::runtime_error(t.maildir.string() + " is not a Maildir (no new/)");
            index::QuotaAccount quota(t.maildir, std::nullopt);
            auto r = index::deliverBulletins(t.maildir, {bulletin}, &quota, std::time(nullptr));
            if (!r.delivered.empty()) {
                ++delivered;
            } else if (!r.overQuota.empty()) {
                progress.say(std::cerr, "warning: " + t.label + ": over quota; not delivered");
                ++over;
            } else {
                ++had;
            }
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl bulletin: " + failure(t, e.what()));
            ++failed;
        }
    }
    progress.finish();
    std::string text =
        "Bulletin " + unbroken(bulletin.name) + " delivered to " + withCommas(delivered) + " of " +
        plural(targets.size(), "Maildir", "Maildirs") + "; " + withCommas(had) + " had it already.";
    if (over) text += " " + plural(over, "Maildir was", "Maildirs were") + " over quota (above).";
    if (failed) text += " " + plural(failed, "Maildir", "Maildirs") + " failed (above).";
    printParagraph(std::cout, text);
    if (failed) return kExitFailed;
    return over ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
