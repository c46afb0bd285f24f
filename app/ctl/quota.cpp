// maildexctl quota recalc [--quota DEF] [--trash NAME] PATH... | --user NAME | --all

#include <iostream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "index/courier_quota.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl quota recalc [--quota DEF] [--trash NAME] PATH... | --user NAME | --all\n"
    "\n"
    "Recalculates each Maildir's maildirsize (the Maildir++ quota file Courier's imapd,\n"
    "deliverquota and maildrop share) from the files, as Courier does: every folder\n"
    "except the trash folder counts, messages marked deleted (T) do not, sizes come from\n"
    "',S=' in the file name or else the file. The quota line stays what it is.\n"
    "\n"
    "  --quota DEF   set the quota too, in Courier's form: 50000000S,5000C (bytes,\n"
    "                messages); needed for a Maildir without maildirsize, which is\n"
    "                otherwise left alone (it has no quota)\n"
    "  --trash NAME  the trash folder (IMAP_TRASHFOLDERNAME; default Trash)\n"
    "\n";

}  // namespace

int runQuota(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp << "\n" << kExitCodeHelp;
        return kExitOk;
    }
    auto quotaText = args.value("--quota");
    std::string trash = args.value("--trash").value_or("Trash");
    auto targetOptions = takeTargetOptions(args);
    auto rest = args.finish();
    if (rest.empty() || rest[0] != "recalc") throw UsageError("the quota command is: recalc");
    rest.erase(rest.begin());
    std::optional<index::MaildirQuota> quota;
    if (quotaText) {
        std::vector<std::string> w;
        quota = index::parseMaildirQuota(*quotaText, &w);
        if (!w.empty()) throw UsageError("--quota: " + w.front());
    }
    auto targets = resolveTargets(targetOptions, rest);

    Progress progress(targets.size());
    std::size_t done = 0, skipped = 0, failed = 0, warnings = 0;
    std::int64_t bytes = 0, messages = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        progress.maildir(i);
        try {
            AsMaildirOwner owner(t.maildir);  // files made belong to the user
            if (!std::filesystem::is_directory(t.maildir / "cur"))
                throw std::runtime_error(t.maildir.string() + " is not a Maildir (no cur/)");
            std::vector<std::string> w;
            auto current = index::readMaildirSize(t.maildir, &w);
            for (const auto& s : w)
                progress.say(std::cerr,
                             "warning: " + (t.maildir / "maildirsize").string() + ": " + s);
            warnings += w.size();
            if (!current && !quota) {
                progress.say(std::cout, t.label + ": no maildirsize (no quota); left alone");
                ++skipped;
                continue;
            }
            auto q = quota ? *quota : current->quota;
            auto usage = index::recalculateMaildirSize(t.maildir, q, trash);
            progress.say(std::cout,
                         t.label + ": " + withCommas(static_cast<size_t>(usage.bytes)) +
                             " bytes in " +
                             plural(static_cast<size_t>(usage.messages), "message", "messages") +
                             "; quota " + (q.unlimited() ? "none" : index::formatMaildirQuota(q)));
            bytes += usage.bytes;
            messages += usage.messages;
            ++done;
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl quota: " + failure(t, e.what()));
            ++failed;
        }
    }
    progress.finish();
    std::string text = "Recalculated maildirsize of " + withCommas(done) + " of " +
                       plural(targets.size(), "Maildir", "Maildirs") + " (" +
                       withCommas(static_cast<size_t>(bytes)) + " bytes in " +
                       plural(static_cast<size_t>(messages), "message", "messages") +
                       " counted); " + withCommas(skipped) + " without a quota were left alone.";
    if (warnings) text += " " + withCommas(warnings) + " damaged lines were ignored (above).";
    if (failed) text += " " + plural(failed, "Maildir", "Maildirs") + " failed (above).";
    printParagraph(std::cout, text);
    if (failed) return kExitFailed;
    return warnings ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
