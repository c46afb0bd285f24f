// maildexctl check [--repair] PATH... | --user NAME | --all

#include <iostream>
#include <map>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "index/check.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl check [--repair] PATH... | --user NAME | --all\n"
    "\n"
    "Compares each Maildir's index with its message files and with the Courier-format\n"
    "files kept next to them (courierimapuiddb, courierimapkeywords/,\n"
    "courierimapsubscribed, maildexsettings), changing nothing, and prints every\n"
    "difference: messages the index does not know or still lists, flags that differ,\n"
    "UIDs, next UIDs, UIDVALIDITY or keywords that differ between index and mirror,\n"
    "damaged lines, subscriptions and settings. A running server is fine: a folder that\n"
    "shows differences is compared again a moment later and only lasting ones count.\n"
    "\n"
    "  --repair  then bring them in line: the files decide which messages exist and their\n"
    "            flags; a sound index decides UIDs, keywords, subscriptions and settings\n"
    "            (the mirror files are rewritten from it; no next UID goes backwards); a\n"
    "            damaged index is moved aside and rebuilt from the mirror. The Maildir is\n"
    "            checked again afterwards.\n"
    "  --max N   print at most N differences per folder (default 20; 0: all)\n"
    "\n"
    "Exit codes: 0 no differences; 1 differences found (with --repair: all repaired);\n"
    "2 bad arguments; 3 a Maildir could not be checked, or differences remain after\n"
    "--repair.\n\n";

std::string label(const std::string& folder) {
    return folder.empty() ? "INBOX" : "folder '" + folder + "'";
}

void print(const Target& t, const index::CheckReport& r, std::size_t max, Progress& progress) {
    std::map<std::string, std::vector<const index::Difference*>> byFolder;
    std::vector<const index::Difference*> wide;
    for (const auto& d : r.differences) {
        bool maildirWide = d.kind == index::DifferenceKind::NoIndex ||
                           d.kind == index::DifferenceKind::IndexDamaged ||
                           d.kind == index::DifferenceKind::SubscriptionsDiffer ||
                           d.kind == index::DifferenceKind::SettingsDiffer;
        (maildirWide ? wide : byFolder[d.folder]).push_back(&d);
    }
    for (const auto* d : wide)
        progress.say(std::cout, t.label + ": " + d->text);
    for (const auto& [folder, list] : byFolder) {
        for (size_t i = 0; i < list.size(); ++i) {
            if (max && i == max) {
                progress.say(std::cout, t.label + ": " + label(folder) + ": ... and " +
                                            withCommas(list.size() - max) + " more");
                break;
            }
            progress.say(std::cout, t.label + ": " + label(folder) + ": " + list[i]->text);
        }
    }
}

}  // namespace

int runCheck(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp;
        return kExitOk;
    }
    bool repair = args.flag("--repair");
    std::size_t max = 20;
    if (auto v = args.value("--max")) {
        try {
            max = std::stoul(*v);
        } catch (const std::exception&) {
            throw UsageError("--max takes a number");
        }
    }
    auto indexDir = takeIndexDir(args);
    auto targetOptions = takeTargetOptions(args);
    auto targets = resolveTargets(targetOptions, args.finish());

    Progress progress(targets.size());
    std::size_t clean = 0, withDifferences = 0, failed = 0, differences = 0, repaired = 0,
                remaining = 0, folders = 0, messages = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        progress.maildir(i);
        try {
            AsMaildirOwner owner(t.maildir);  // files made belong to the user
            index::CheckOptions o{
                t.maildir, indexDir,
                [&](std::size_t d, std::size_t n, std::size_t m) { progress.folder(d, n, m); }};
            auto r = index::checkMaildir(o);
            folders += r.folders;
            messages += r.messages;
            print(t, r, max, progress);
            differences += r.differences.size();
            if (r.differences.empty()) {
                ++clean;
                continue;
            }
            ++withDifferences;
            if (!repair) continue;
            auto fix = index::repairMaildir(o, r);
            for (const auto& a : fix.actions)
                progress.say(std::cout, t.label + ": repaired: " + a);
            o.progress = nullptr;
            auto again = index::checkMaildir(o);
            if (again.differences.empty()) {
                repaired += r.differences.size();
            } else {
                remaining += again.differences.size();
                progress.say(std::cerr, "maildexctl check: " + t.label + ": " +
                                            withCommas(again.differences.size()) +
                                            " differences remain after the repair:");
                print(t, again, max, progress);
            }
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl check: " + t.label + ": " + e.what());
            ++failed;
        }
    }
    progress.finish();

    std::string text = "Checked " + withCommas(targets.size() - failed) + " of " +
                       withCommas(targets.size()) + " Maildirs (" + withCommas(folders) +
                       " folders, " + withCommas(messages) + " messages) in " +
                       duration(progress.seconds()) + ": " + withCommas(clean) + " consistent, " +
                       withCommas(withDifferences) + " with " + withCommas(differences) +
                       " differences (listed above).";
    if (repair && withDifferences)
        text += " Repaired " + withCommas(repaired) + " differences; " + withCommas(remaining) +
                " remain.";
    if (failed) text += " " + withCommas(failed) + " Maildirs could not be checked (above).";
    printParagraph(std::cout, text);
    if (failed || remaining) return kExitFailed;
    return differences ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
