// maildexctl reindex [--force] PATH... | --user NAME | --all

#include <algorithm>
#include <iostream>
#include <set>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "index/check.h"
#include "index/error.h"
#include "index/folder_rebuild.h"
#include "index/mailstore.h"
#include "index/migration.h"
#include "index/schema.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl reindex [--force] PATH... | --user NAME | --all\n"
    "\n"
    "Brings each Maildir's index in line with its files: messages that arrived or were\n"
    "changed by other programs are taken in, vanished ones expunged, every UID the index\n"
    "or courierimapuiddb holds is kept. Safe while the server runs: sessions with a\n"
    "folder open see the result as ordinary changes.\n"
    "\n"
    "  --force   rebuild the index from the files and the Courier-format files Maildex\n"
    "            keeps with them (courierimapuiddb, courierimapkeywords/,\n"
    "            courierimapsubscribed, maildexsettings), so UIDs, keywords and\n"
    "            subscriptions survive. The rebuild happens inside the database (safe\n"
    "            while the server runs); an index SQLite reports damaged is moved aside\n"
    "            to <index>.damaged-<time> and made anew (stop the server for that).\n"
    "\n";

struct Totals {
    std::size_t maildirs = 0, failed = 0, folders = 0, messages = 0;
    std::size_t added = 0, removed = 0, changed = 0, reassigned = 0, uidValidity = 0;
    std::size_t warnings = 0, damaged = 0;
};

void reindexOne(const Target& t, const std::filesystem::path& indexDir, bool force,
                Progress& progress, Totals& totals) {
    auto say = [&](const std::string& line) { progress.say(std::cout, t.label + ": " + line); };
    auto indexPath = index::indexPathFor(t.maildir, indexDir);
    if (force && std::filesystem::exists(indexPath)) {
        if (auto damage = index::indexDamage(indexPath)) {
            auto aside = index::moveDamagedIndexAside(indexPath);
            say("the index " + *damage + "; moved it to " + aside.string() +
                " and built a new one");
            ++totals.damaged;
        }
    }
    auto store = index::Mailstore::open({t.maildir, indexDir});
    std::vector<std::string> warnings;
    auto folders = index::migratableFolders(t.maildir, warnings);
    if (force) {
        store->importSettingsFile(&warnings);
        store->importCourierSubscriptions();
    }
    for (size_t i = 0; i < folders.size(); ++i) {
        const auto& name = folders[i];
        std::size_t count = 0;
        if (force) {
            auto r = store->folderUnsynced(name)->rebuild({});
            for (auto& w : r.warnings)
                warnings.push_back(std::move(w));
            totals.added += r.added;
            totals.removed += r.removed;
            totals.changed += r.changed;
            totals.reassigned += r.reassigned;
            totals.uidValidity += r.uidValidityChanged ? 1 : 0;
            count = r.plan.messages.size();
        } else {
            auto folder = store->folderUnsynced(name);
            folder->catchUp();
            auto before = folder->uids();
            folder->sync(index::Folder::SyncMode::Full);
            auto after = folder->uids();
            std::vector<std::uint32_t> diff;
            std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                                std::back_inserter(diff));
            totals.added += diff.size();
            diff.clear();
            std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                                std::back_inserter(diff));
            totals.removed += diff.size();
            count = after.size();
        }
        totals.messages += count;
        progress.folder(i + 1, folders.size(), count);
    }
    totals.folders += folders.size();
    std::set<std::string> present(folders.begin(), folders.end());
    for (const auto& name : store->indexedFolders())
        if (!present.count(name) && store->forgetFolder(name))
            say("folder '" + name + "' is gone from disk; removed it from the index");
    for (const auto& w : warnings)
        progress.say(std::cerr, "warning: " + w);
    totals.warnings += warnings.size();
}

}  // namespace

int runReindex(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp << "\n" << kExitCodeHelp;
        return kExitOk;
    }
    bool force = args.flag("--force");
    auto indexDir = takeIndexDir(args);
    auto targetOptions = takeTargetOptions(args);
    auto targets = resolveTargets(targetOptions, args.finish());

    Progress progress(targets.size());
    Totals totals;
    for (size_t i = 0; i < targets.size(); ++i) {
        progress.maildir(i);
        try {
            AsMaildirOwner owner(targets[i].maildir);  // files made belong to the user
            reindexOne(targets[i], indexDir, force, progress, totals);
            ++totals.maildirs;
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl reindex: " + failure(targets[i], e.what()));
            ++totals.failed;
        }
    }
    progress.finish();

    std::string text =
        std::string(force ? "Rebuilt the index of " : "Reindexed ") + withCommas(totals.maildirs) +
        " of " + plural(targets.size(), "Maildir", "Maildirs") + " (" +
        plural(totals.folders, "folder", "folders") + ", " +
        plural(totals.messages, "message", "messages") + ") in " + duration(progress.seconds()) +
        ": " + withCommas(totals.added) + " messages newly indexed, " + withCommas(totals.removed) +
        " gone messages expunged";
    if (force)
        text += ", " + withCommas(totals.changed) + " with flags or keywords corrected, " +
                withCommas(totals.reassigned) +
                " UIDs given back to the file courierimapuiddb "
                "names, " +
                plural(totals.uidValidity, "folder", "folders") + " with a new UIDVALIDITY";
    text += ".";
    if (totals.damaged)
        text += " " + withCommas(totals.damaged) + " damaged indexes were replaced.";
    if (totals.warnings)
        text += " " + withCommas(totals.warnings) + " warnings about damaged files (above).";
    if (totals.failed)
        text += " " + plural(totals.failed, "Maildir", "Maildirs") + " failed (above).";
    printParagraph(std::cout, text);
    if (totals.failed) return kExitFailed;
    return totals.warnings || totals.damaged ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
