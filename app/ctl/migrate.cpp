// maildexctl migrate courier|dovecot [--dry-run] ... PATH... | --user NAME | --all

#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/ctl/commands.h"
#include "app/ctl/common.h"
#include "app/ctl/progress.h"
#include "core/imap/mutf7.h"
#include "core/mailbox_names.h"
#include "index/migrate_courier.h"
#include "index/migrate_dovecot.h"

namespace maildex::ctl {

namespace {

const char* const kHelp =
    "Usage: maildexctl migrate courier [OPTIONS] PATH... | --user NAME | --all\n"
    "       maildexctl migrate dovecot [OPTIONS] [--prefix P] [--separator C]\n"
    "                                  PATH... | --user NAME | --all\n"
    "\n"
    "Takes over Maildirs from Courier-IMAP or Dovecot so that clients notice nothing:\n"
    "every folder keeps its UIDVALIDITY, every message its UID, flags and keywords,\n"
    "UIDNEXT stays where it was, folder names and subscriptions stay what the old server\n"
    "showed. Run it while the old server is stopped (or the Maildir otherwise idle).\n"
    "\n"
    "courier: reads courierimapuiddb (next UID = max(header, highest UID + 1); a last line\n"
    "  without newline is kept), courierimapkeywords/ (:list and pending updates, with\n"
    "  Courier's rules for which wins), courierimapsubscribed; reads courierimapacl,\n"
    "  courierimaphieracl/ and maildirsize and reports damaged lines: Maildex keeps\n"
    "  each folder's rights and the quota in those files, as Courier does, and enforces\n"
    "  them from the first login. Messages Courier never numbered (new/, or\n"
    "  cur/ files without a UID) get UIDs in Courier's order. Courier's files stay in\n"
    "  place (only damaged ones are rewritten), so Courier can take the Maildir back;\n"
    "  'maildexctl export courier' brings them up to date for that.\n"
    "dovecot: reads dovecot-uidlist, dovecot-keywords with the keyword letters of the\n"
    "  file names, and subscriptions, and writes them as the Courier-format files\n"
    "  Maildex keeps; Dovecot's own files are not changed. Only the 26 keywords that fit\n"
    "  in file names are seen (more live only in dovecot.index).\n"
    "\n"
    "Options:\n"
    "  --dry-run              read everything and print what would happen; write nothing\n"
    "  --folder-names auto|utf8|mutf7\n"
    "                         how folder directories spell non-ASCII names: utf8 as\n"
    "                         Courier 5 (.Entwürfe), mutf7 as Dovecot and Courier 4\n"
    "                         (.Entw&APw-rfe). A mutf7 Maildir is served under the same\n"
    "                         names without renaming a directory (Courier's\n"
    "                         'maildirmake --convutf8' renames, if you want that).\n"
    "                         auto (default) decides from the names: 8-bit bytes mean\n"
    "                         utf8, '&...-' escapes mean mutf7, otherwise the old\n"
    "                         server's default (courier: utf8, dovecot: mutf7).\n"
    "  --prefix P             dovecot: the namespace prefix clients saw (default:\n"
    "                         detected; \"\" is Dovecot's default, so folder 'Sent' stays\n"
    "                         'Sent'; --prefix=INBOX. for Courier-style names)\n"
    "  --separator C          dovecot: the hierarchy separator clients saw (default '.')\n"
    "  --verbose              list every folder also when not in a dry run\n"
    "\n"
    "The prefix, separator and name encoding are recorded with the Maildir\n"
    "(maildexsettings), so maildexd serves it under the old names without configuration.\n"
    "A damaged or half-written file is reported, naming it, and the migration goes on\n"
    "with what can be read. After indexing, each folder's index is compared with what\n"
    "the old server's files say; a difference is an error.\n"
    "\n";

index::FolderNameEncoding parseEncoding(const std::string& v) {
    if (v == "auto") return index::FolderNameEncoding::Auto;
    if (v == "utf8" || v == "utf-8") return index::FolderNameEncoding::Utf8;
    if (v == "mutf7" || v == "utf7" || v == "modified-utf7")
        return index::FolderNameEncoding::Mutf7;
    throw UsageError("--folder-names takes auto, utf8 or mutf7, not '" + v + "'");
}

void printFolders(const index::MigrationReport& r, Progress& progress) {
    core::MailboxNames names(r.prefix, r.delimiter, r.mutf7Names);
    for (const auto& f : r.folders) {
        std::ostringstream line;
        std::string name = names.toImap(f.folder, true);
        // Padded by characters, not bytes, so UTF-8 names line up.
        size_t width = 0;
        for (unsigned char c : name)
            width += (c & 0xc0) != 0x80;
        name.append(width < 24 ? 24 - width : 0, ' ');
        line << "  " << name << " " << std::setw(7) << withCommas(f.messages)
             << (f.messages == 1 ? " message   UIDVALIDITY " : " messages  UIDVALIDITY ")
             << (f.uidValidity ? std::to_string(f.uidValidity) : std::string("(new)"))
             << "  UIDNEXT " << f.uidNext << "  " << withCommas(f.keptUids) << " UIDs kept, "
             << withCommas(f.numbered) << (r.dryRun ? " to number" : " numbered") << ", "
             << withCommas(f.withKeywords) << " with keywords ("
             << plural(f.keywordNames, "name", "names") << ")";
        progress.say(std::cout, line.str());
        for (const auto& n : f.notes)
            progress.say(std::cout, "      note: " + n);
    }
}

}  // namespace

int runMigrate(std::vector<std::string> argv) {
    Args args(std::move(argv));
    if (args.help()) {
        std::cout << kHelp << kTargetHelp << "\n" << kExitCodeHelp;
        return kExitOk;
    }
    bool dryRun = args.flag("--dry-run");
    bool verbose = args.flag("--verbose");
    auto encoding = parseEncoding(args.value("--folder-names").value_or("auto"));
    auto prefix = args.value("--prefix");
    auto separator = args.value("--separator");
    auto indexDir = takeIndexDir(args);
    auto targetOptions = takeTargetOptions(args);
    auto rest = args.finish();
    if (rest.empty()) throw UsageError("say which server to migrate from: courier or dovecot");
    std::string from = rest[0];
    rest.erase(rest.begin());
    if (from != "courier" && from != "dovecot")
        throw UsageError("can migrate from courier or dovecot, not '" + from + "'");
    if (from == "courier" && (prefix || separator))
        throw UsageError("--prefix and --separator are for dovecot (Courier's are fixed)");
    if (separator && separator->size() != 1) throw UsageError("--separator takes one character");
    auto targets = resolveTargets(targetOptions, rest);

    Progress progress(targets.size());
    std::size_t done = 0, failed = 0, warnings = 0, folders = 0, messages = 0, kept = 0,
                numbered = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        progress.maildir(i);
        try {
            AsMaildirOwner owner(t.maildir);  // files made belong to the user
            index::DovecotMigrationOptions o;
            o.maildir = t.maildir;
            o.indexDir = indexDir;
            o.dryRun = dryRun;
            o.folderNames = encoding;
            o.progress = [&](std::size_t d, std::size_t n, std::size_t m) {
                progress.folder(d, n, m);
            };
            index::MigrationReport r;
            if (from == "courier") {
                r = index::migrateCourier(o);
            } else {
                o.prefix = prefix;
                if (separator) o.separator = (*separator)[0];
                o.decodeMutf7 = [](std::string_view s) { return core::decodeMutf7(s); };
                r = index::migrateDovecot(o);
            }
            std::string head = t.label + (dryRun ? " (dry run)" : "") + ": folder names " +
                               r.folderNames + "; namespace prefix \"" + r.prefix +
                               "\", separator \"" + std::string(1, r.delimiter) + "\"";
            if (r.quota) head += "; quota " + *r.quota + " (maildirsize stays)";
            if (r.aclFiles)
                head += "; " + std::to_string(r.aclFiles) +
                        " ACL files read (they decide each folder's rights, as in Courier)";
            if (r.replacedIndex)
                head += dryRun ? "; an index exists and would be rebuilt in place"
                               : "; the existing index was rebuilt in place";
            progress.say(std::cout, head);
            if (dryRun || verbose) printFolders(r, progress);
            for (const auto& w : r.warnings)
                progress.say(std::cerr, "warning: " + w);
            for (const auto& e : r.errors)
                progress.say(std::cerr, "error: " + t.label + ": " + e);
            warnings += r.warnings.size();
            folders += r.folders.size();
            messages += r.messageCount();
            for (const auto& f : r.folders) {
                kept += f.keptUids;
                numbered += f.numbered;
            }
            if (r.errors.empty())
                ++done;
            else
                ++failed;
        } catch (const std::exception& e) {
            progress.say(std::cerr, "maildexctl migrate: " + failure(t, e.what()));
            ++failed;
        }
    }
    progress.finish();

    std::string text = std::string(dryRun ? "Dry run: would migrate " : "Migrated ") +
                       withCommas(done) + " of " + plural(targets.size(), "Maildir", "Maildirs") +
                       " from " + (from == "courier" ? "Courier-IMAP" : "Dovecot") + " (" +
                       plural(folders, "folder", "folders") + ", " + withCommas(messages) +
                       " messages) in " + duration(progress.seconds()) + ": " + withCommas(kept) +
                       " messages " + (dryRun ? "would keep" : "kept") + " their UIDs; " +
                       withCommas(numbered) + " that the old server had never numbered " +
                       (dryRun ? "would get" : "got") + " UIDs in Courier's order.";
    if (!dryRun && done) text += " Each migrated index was checked against the old files.";
    text += warnings ? " " + withCommas(warnings) +
                           " warnings about damaged or doubtful files are listed above; the "
                           "migration went on with what could be read."
                     : " No file was damaged.";
    if (failed) text += " " + plural(failed, "Maildir", "Maildirs") + " failed (errors above).";
    printParagraph(std::cout, text);
    if (failed) return kExitFailed;
    return warnings ? kExitWarnings : kExitOk;
}

}  // namespace maildex::ctl
