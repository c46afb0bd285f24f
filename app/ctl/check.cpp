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
    "A Maildir or folder no client has opened yet (so the server has not indexed it) is\n"
    "not a difference: the summary counts it as not yet indexed, and --repair indexes it.\n"
    "\n"
    "Exit codes: 0 no differences (folders not yet indexed included); 1 differences found\n"
    "(with --repair: all repaired); 2 bad arguments; 3 a Maildir could not be checked, or\n"
    "differences remain after --repair.\n\n";

// Not a difference: what the server indexes when a client first opens it.
bool notYetIndexed(const index::Difference& d) {
    return d.kind == index::DifferenceKind::NoIndex ||
           d.kind == index::DifferenceKind::FolderNotIndexed;
}

std::string label(const std::string& folder) {
    return folder.empty() ? "INBOX" : "folder '" + folder + "'";
}

void print(const Target& t, const index::CheckReport& r, std::size_t max, Progress& progress) {
    std::map<std::string, std::vector<const index::Difference*>> byFolder;
    std::vector<const index::Difference*> wide;
    for (const auto& d : r.differences) {
        if (notYetIndexed(d)) continue;
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
                remaining = 0, folders = 0, messages = 0, maildirsUnindexed = 0,
                foldersUnindexed = 0;
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
            std::size_t found = 0;
            bool neverIndexed = false;
            for (const auto& d : r.differences) {
                if (d.kind == index::DifferenceKind::NoIndex) neverIndexed = true;
                if (d.kind == index::DifferenceKind::NoIndex) ++maildirsUnindexed;
                if (d.kind == index::DifferenceKind::FolderNotIndexed) ++foldersUnindexed;
                found += !notYetIndexed(d);
            }
            differences += found;
            if (found == 0 && !neverIndexed) ++clean;
            if (found) ++withDifferences;
            if (r.differences.empty() || !repair) continue;
            auto fix = index::repairMaildir(o, r);
            for (const auto& a : fix.actions)
                progress.say(std::cout, t.label + ": repaired: " + a);
            o.progress = nullptr;
            auto again = index::checkMaildir(o);
            if (again.differences.empty()) {
                repaired += found;
            } else {
                remaining += again.differences.size();
                progress.say(std::cerr, "maildexctl check: " + t.label + ": " +
                                            withCommas(again.differences.size()) +
                                            " differences remain after the repair:");
                print(t, again, max, progress);
            }
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl check: " + failure(t, e.what()));
            ++failed;
        }
    }
    progress.finish();

    std::string text = "Checked " + withCommas(targets.size() - failed) + " of " +
                       plural(targets.size(), "Maildir", "Maildirs") + " (" +
                       plural(folders, "folder", "folders") + ", " +
                       plural(messages, "message", "messages") + ") in " +
                       duration(progress.seconds()) + ": " + withCommas(clean) + " consistent";
    if (withDifferences)
        text += ", " + withCommas(withDifferences) + " with " +
                plural(differences, "difference", "differences") + " (listed above)";
    text += ".";
    if (maildirsUnindexed || foldersUnindexed) {
        std::string what;
        if (maildirsUnindexed) what = plural(maildirsUnindexed, "Maildir", "Maildirs");
        if (maildirsUnindexed && foldersUnindexed) what += " and ";
        if (foldersUnindexed) what += plural(foldersUnindexed, "folder", "folders");
        bool one = maildirsUnindexed + foldersUnindexed == 1;
        text += " " + what + (one ? " is" : " are") + " not yet indexed (" +
                (repair ? "indexed now"
                 : one  ? "no client has opened it yet; --repair indexes it"
                        : "no client has opened them yet; --repair indexes them") +
                ").";
    }
    if (repair && withDifferences)
        text += " Repaired " + plural(repaired, "difference", "differences") + "; " +
                withCommas(remaining) + " remain.";
    if (failed)
        text += " " + plural(failed, "Maildir", "Maildirs") + " could not be checked (above).";
    printParagraph(std::cout, text);
    if (failed || remaining) return kExitFailed;
    return differences ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
