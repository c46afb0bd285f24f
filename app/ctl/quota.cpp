// maildexctl quota show | recalc [--quota DEF] [--trash NAME] PATH... | --user NAME | --all

#include <algorithm>
#include <iostream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "index/courier_quota.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl quota show PATH... | --user NAME | --all\n"
    "       maildexctl quota recalc [--quota DEF] [--trash NAME] PATH... | --user NAME | --all\n"
    "\n"
    "show: each Maildir's quota and usage as maildirsize says them, with the fuller of\n"
    "the two in percent, and whether Courier would count it again before trusting it.\n"
    "Reads only.\n"
    "\n"
    "recalc: recalculates each Maildir's maildirsize (the Maildir++ quota file Courier's imapd,\n"
    "deliverquota and maildrop share) from the files, as Courier does: every folder\n"
    "except the trash folder counts, messages marked deleted (T) do not, sizes come from\n"
    "',S=' in the file name or else the file. The quota line stays what it is.\n"
    "\n"
    "  --quota DEF   set the quota too, in Courier's form: 50000000S,5000C (bytes,\n"
    "                messages); needed for a Maildir without maildirsize, which is\n"
    "                otherwise left alone (it has no quota)\n"
    "  --trash NAME  the trash folder (IMAP_TRASHFOLDERNAME; default Trash)\n"
    "\n";

// "250 bytes of 1,000 (25%)": a used amount against a limit, or the amount alone.
std::string ofLimit(std::int64_t used, std::uint64_t limit, const char* unit) {
    auto amount = static_cast<std::uint64_t>(std::max<std::int64_t>(used, 0));
    std::string text = withCommas(static_cast<size_t>(amount)) + " " + unit;
    if (limit == 0) return text + " (no limit)";
    return text + " of " + withCommas(static_cast<size_t>(limit)) + " (" +
           std::to_string(amount * 100 / limit) + "%)";
}

int showQuotas(const std::vector<Target>& targets) {
    std::size_t failed = 0, limited = 0, over = 0;
    for (const auto& t : targets) {
        try {
            if (!std::filesystem::is_directory(t.maildir / "cur"))
                throw std::runtime_error(t.maildir.string() + " is not a Maildir (no cur/)");
            auto size = index::readMaildirSize(t.maildir);
            if (!size || size->quota.unlimited()) {
                std::cout << t.label << ": no quota\n";
                continue;
            }
            ++limited;
            const auto& q = size->quota;
            const auto& u = size->usage;
            bool isOver = (q.bytes && u.bytes > static_cast<std::int64_t>(q.bytes)) ||
                          (q.messages && u.messages > static_cast<std::int64_t>(q.messages));
            over += isOver ? 1 : 0;
            std::cout << t.label << ": " << ofLimit(u.bytes, q.bytes, "bytes") << ", "
                      << ofLimit(u.messages, q.messages, "messages")
                      << (isOver ? "; over quota" : "")
                      << (size->needsRecalculation
                              ? "; maildirsize is due to be counted again (quota recalc)"
                              : "")
                      << "\n";
        } catch (const std::exception& e) {
            std::cerr << "maildexctl quota: " << failure(t, e.what()) << "\n";
            ++failed;
        }
    }
    printParagraph(std::cout, plural(targets.size(), "Maildir", "Maildirs") + ": " +
                                  withCommas(limited) + " with a quota, " + withCommas(over) +
                                  " over it.");
    return failed ? kExitFailed : kExitOk;
}

}  // namespace

int runQuota(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp << "\n" << kExitCodeHelp;
        return kExitOk;
    }
    auto quotaText = args.value("--quota");
    auto trashArg = args.value("--trash");
    std::string trash = trashArg.value_or("Trash");
    auto targetOptions = takeTargetOptions(args);
    auto rest = args.finish();
    if (rest.empty() || (rest[0] != "recalc" && rest[0] != "show"))
        throw UsageError("the quota commands are: show, recalc");
    bool show = rest[0] == "show";
    rest.erase(rest.begin());
    if (show && (quotaText || trashArg)) throw UsageError("quota show takes no --quota or --trash");
    std::optional<index::MaildirQuota> quota;
    if (quotaText) {
        if (!index::isStrictMaildirQuota(*quotaText))
            throw UsageError("--quota: \"" + *quotaText +
                             "\" is not a quota; write it as Courier does, e.g. "
                             "50000000S,5000C (bytes, messages) or one of the two");
        quota = index::parseMaildirQuota(*quotaText);
    }
    auto targets = resolveTargets(targetOptions, rest);
    if (show) return showQuotas(targets);

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
