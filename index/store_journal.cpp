// The STORE journal: how a STORE (Folder::store, folder_store.cpp) stays one change when
// its process dies half-way.
//
// A STORE changes two things of a message that live in different places: the system
// flags are letters in the file's name (a rename), the keywords are in the index and in
// courierimapkeywords/ (the mirror, index/courier_keywords.h). Each rename is atomic and
// so is the index commit, but not the two together: a process killed between them left a
// file with the new flags beside the old keywords, and the next scan, which takes flags
// from file names, gave the message half of each.
//
// So a STORE that changes any message's keywords first writes its intent, a file in the
// folder's journal directory (maildexjournal/), synced before any other file is touched:
// the change, and per message its UID, the name its file has, the name it will have and
// its keywords afterwards. Then come the renames, the rows, the mirror and the commit;
// then the intent is retired (writeIntentLocked says how). Whoever finds a live intent
// finishes it (rolls it forward):
// renames the file if it still has its old name, gives the row the new flags and
// keywords, writes the mirror. So after a crash every message of the STORE has all of its
// new flags and keywords, as if the STORE had gone through (its client was not told: it
// may not have been). Why that is safe:
//
// - Intents are looked for only under the index's write lock, as each writer's first step
//   (finishInterruptedStoresLocked), and by sync() before its quick check. Holding the
//   lock, no other writer is between writing its intent and committing: an intent found
//   is of a STORE that died (or failed and could not put things back), or of one that
//   committed and whose process has not removed the intent yet.
// - Rolling forward is idempotent. A message whose row has the new state already (the
//   STORE committed) is left alone, and so is whatever was done already. The finisher
//   first adopts the intent (renames it to a live name of its own) and removes it only
//   once the roll-forward is committed; a crash during it leaves the intent for the next
//   writer, and the owner, if it still runs, never touches the adopted name.
// - Every writer of the folder, scans included, finishes intents before it looks at the
//   folder's files: nothing builds on a half-done STORE (a scan giving a renamed file's
//   new flags to a row whose keywords are old, say).
// - A file another program renamed meanwhile (a mail reader changing flags) gets the
//   STORE's change applied to the flags it has now, as if the STORE had come after.
// - A STORE that fails without dying (an SQLite or I/O error) puts its files and mirror
//   back before its transaction rolls back, and removes its intent: all old. If it cannot
//   put them back, the intent stays and the next writer rolls forward: all new.
//
// A STORE that changes only system flags writes no intent: one rename per message is
// atomic by itself, and a crash leaves each message with its old or its new flags (the
// scan reads them from the names). The cost is one small synced file per STORE command
// that changes keywords, which writes a synced update file per message into the mirror
// anyway; a STORE of flags only costs nothing more.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "base/log.h"
#include "index/courier_keywords.h"
#include "index/crash_point.h"
#include "index/error.h"
#include "index/file_modes.h"
#include "index/file_util.h"
#include "index/folder.h"
#include "index/maildir_name.h"
#include "index/mailstore.h"
#include "index/sqlite.h"
#include "index/store_intent.h"
#include "index/text_lines.h"

namespace maildex::index {

namespace {

constexpr const char* kJournalDir = "maildexjournal";
constexpr std::string_view kIntentHeader = "maildex intent 1";

// Intent files are lines of tab-separated fields; a field's tab, newline or backslash is
// escaped with a backslash (base names and keywords hold none, but nothing relies on it).
void putField(std::string& out, std::string_view field) {
    out += '\t';
    for (char c : field) {
        if (c == '\t')
            out += "\\t";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\\')
            out += "\\\\";
        else
            out += c;
    }
}

std::vector<std::string> splitFields(std::string_view line) {
    std::vector<std::string> out(1);
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '\t') {
            out.emplace_back();
        } else if (c == '\\' && i + 1 < line.size()) {
            char e = line[++i];
            out.back() += e == 't' ? '\t' : e == 'n' ? '\n' : e;
        } else {
            out.back() += c;
        }
    }
    return out;
}

char modeLetter(StoreMode mode) {
    return mode == StoreMode::Add ? '+' : mode == StoreMode::Remove ? '-' : '=';
}

// The parts of `name` after `base` (which it starts with).
std::string_view afterBase(std::string_view name, std::string_view base) {
    return name.substr(std::min(base.size(), name.size()));
}

// "maildex intent 1"; "store<TAB><mode><TAB><letters>"; a line per keyword set used
// ("k", names...), then per message ("m", UID, base, where its file is - 'c' or 'n' for
// cur/ or new/ and what follows the base in its name -, what follows the base in its name
// in cur/ afterwards, its keyword set's number); "end". An intent without its last line
// was cut short while being written, before its STORE touched anything. About 100 bytes
// a message: a STORE on 10,000 messages syncs a megabyte.
std::string formatIntent(const StoreIntent& intent) {
    std::string out(kIntentHeader);
    out.reserve(64 + intent.messages.size() * 100);
    out += "\nstore";
    putField(out, std::string(1, modeLetter(intent.mode)));
    putField(out, infoLetters(intent.flags, {}));
    out += '\n';
    for (const auto& set : intent.keywordSets) {
        out += 'k';
        for (const auto& k : set)
            putField(out, k);
        out += '\n';
    }
    for (const auto& m : intent.messages) {
        out += 'm';
        putField(out, std::to_string(m.uid));
        putField(out, m.base);
        std::string_view from = m.from;
        out += '\t';
        out += from.starts_with("new/") ? 'n' : 'c';
        putField(out, afterBase(from.substr(4), m.base));
        putField(out, afterBase(m.to, m.base));
        putField(out, std::to_string(m.keywords));
        out += '\n';
    }
    out += "end\n";
    return out;
}

// nullopt for an intent cut short (never acted upon) or not ours to read; `why` says
// which when it is damaged.
std::optional<StoreIntent> parseIntent(std::string_view text, std::string& why) {
    StoreIntent intent;
    LineReader lines(text);
    std::string_view line;
    if (!lines.next(line) || line != kIntentHeader) {
        why = "no intent header";
        return std::nullopt;
    }
    auto damaged = [&] {
        why = "damaged line " + std::to_string(lines.lineNumber());
        return std::nullopt;
    };
    // What follows a base name in a file name: nothing, or ':' and no '/'.
    auto suffixOk = [](std::string_view s) {
        return s.empty() || (s[0] == ':' && s.find('/') == std::string_view::npos);
    };
    bool ended = false, sawStore = false;
    while (lines.next(line)) {
        if (line == "end") {
            ended = true;
            break;
        }
        auto f = splitFields(line);
        if (f[0] == "store" && f.size() == 3 && f[1].size() == 1) {
            intent.mode = f[1] == "+"   ? StoreMode::Add
                          : f[1] == "-" ? StoreMode::Remove
                                        : StoreMode::Replace;
            for (char c : f[2])
                intent.flags |= flagForLetter(c);
            sawStore = true;
        } else if (f[0] == "k") {
            intent.keywordSets.emplace_back(std::make_move_iterator(f.begin() + 1),
                                            std::make_move_iterator(f.end()));
        } else if (f[0] == "m" && f.size() == 7) {
            StoreIntent::Message m;
            m.uid = static_cast<std::uint32_t>(std::strtoul(f[1].c_str(), nullptr, 10));
            m.base = std::move(f[2]);
            m.keywords = static_cast<std::uint32_t>(std::strtoul(f[6].c_str(), nullptr, 10));
            bool sane = m.uid != 0 && !m.base.empty() &&
                        m.base.find_first_of("/:") == std::string::npos && m.base[0] != '.' &&
                        (f[3] == "c" || f[3] == "n") && suffixOk(f[4]) && !f[5].empty() &&
                        suffixOk(f[5]) && m.keywords < intent.keywordSets.size();
            if (!sane) return damaged();
            m.from = (f[3] == "n" ? "new/" : "cur/") + m.base + f[4];
            m.to = m.base + f[5];
            intent.messages.push_back(std::move(m));
        } else {
            return damaged();
        }
    }
    if (!ended || !sawStore) return std::nullopt;  // cut short: nothing was done
    return intent;
}

}  // namespace

// A Folder keeps one intent file, reused: ".<name>" while idle, "<name>" while its STORE
// runs (readers list only names without a dot). Made live by a rename after its content
// is synced, and idle again by a rename after the commit: creating and unlinking a file
// per STORE cost an unlink that waits for the journal commit its fsync started (4 ms
// here). The renames need no sync of their own: on the file systems Maildirs live on a
// later rename (a message's) is never durable without an earlier one (the intent's).
std::filesystem::path Folder::writeIntentLocked(const StoreIntent& intent) {
    auto journal = dir() / kJournalDir;
    if (intentName_.empty()) intentName_ = uniqueTmpName("store");
    auto idle = journal / ("." + intentName_), live = journal / intentName_;
    int fd = ::open(idle.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, newFileMode());
    if (fd < 0 && errno == ENOENT) {
        if (::mkdir(journal.c_str(), newFolderMode()) != 0 && errno != EEXIST)
            throwIo("Cannot create", journal.string(), errno);
        fd = ::open(idle.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, newFileMode());
    }
    if (fd < 0) throwIo("Cannot create", idle.string(), errno);
    try {
        // Over the last intent: what is left of a longer one after "end" is never read.
        writeAll(fd, formatIntent(intent), idle.string());
        if (::fdatasync(fd) != 0) throwIo("Cannot sync", idle.string(), errno);
        if (::rename(idle.c_str(), live.c_str()) != 0)
            throwIo("Cannot rename", idle.string(), errno);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    return live;
}

void Folder::retireIntent(const std::filesystem::path& live) {
    // Gone already when another process finished it (adopted it) meanwhile.
    ::rename(live.c_str(), (live.parent_path() / ("." + live.filename().string())).c_str());
}

void Folder::cleanJournal() {
    // The idle intent files of processes that are gone (one per process that stored
    // keywords in the folder; a process removes its own when it lets the folder go).
    auto journal = dir() / kJournalDir;
    DIR* d = ::opendir(journal.c_str());
    if (!d) return;
    std::vector<std::string> idle;
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] == '.' && e->d_name[1] != 0 && e->d_name[1] != '.')
            idle.emplace_back(e->d_name);
    ::closedir(d);
    for (const auto& name : idle)
        if (auto owner = tmpFileOwner(std::string_view(name).substr(1));
            owner && owner != thisTmpFileOwner() && !tmpFileOwnerRuns(*owner))
            ::unlink((journal / name).c_str());
}

bool Folder::hasInterruptedStores() const {
    return !listDirectory(dir() / kJournalDir, true).empty();
}

void Folder::finishInterruptedStoresLocked(Sqlite& db) {
    auto journal = dir() / kJournalDir;
    // Again while more are found: one could be left by a process that died between our
    // commit and our next BEGIN. A few rounds at most; what stays is for the next writer.
    for (int round = 0; round < 4; ++round) {
        auto names = listDirectory(journal, true);  // live intents only
        if (names.empty()) return;
        insertPendingRowsLocked(db);  // an intent names rows; pending ones become rows
        std::uint64_t modseq = 0;
        std::vector<std::pair<std::string, KeywordIds>> mirror;
        std::vector<std::filesystem::path> adopted;
        std::size_t finished = 0;
        for (const auto& name : names) {
            // Adopted first: renamed to a live name of our own. Its owner, if it still
            // runs, only ever renames its own name, so the removal after our commit cannot
            // hit an intent it wrote meanwhile; should we die before the commit, the next
            // writer adopts it from us.
            auto path = journal / uniqueTmpName("adopted");
            if (::rename((journal / name).c_str(), path.c_str()) != 0) continue;  // retired
            adopted.push_back(path);
            auto text = readFileIfExists(path);
            if (!text) continue;
            std::string why;
            auto intent = parseIntent(*text, why);
            if (!intent) {
                if (!why.empty())
                    log::warn("folder '" + name_ + "': ignored the STORE intent " + name + ": " +
                              why);
                continue;
            }
            rollForwardLocked(db, *intent, modseq, mirror);
            finished += intent->messages.size();
        }
        mirrorKeywordsLocked(db, mirror);
        crashPoint("store-recovery-before-commit");
        // The caller's transaction is ours until here: commit what was finished, so the
        // caller's catch-up reads it as committed rows, and begin again for the caller.
        db.exec("COMMIT");
        for (const auto& path : adopted)
            ::unlink(path.c_str());
        if (modseq != 0)
            log::info("folder '" + name_ + "': finished an interrupted STORE of " +
                      std::to_string(finished) + " message(s)");
        db.exec("BEGIN IMMEDIATE");
    }
}

void Folder::rollForwardLocked(Sqlite& db, const StoreIntent& intent, std::uint64_t& modseq,
                               std::vector<std::pair<std::string, KeywordIds>>& mirror) {
    auto d = dir();
    auto& q = db.prepare(
        "SELECT base, in_new, info, flags, keywords FROM message WHERE folder_id=?1 AND uid=?2");
    auto& upd = db.prepare(
        "UPDATE message SET in_new=0, info=?3, flags=?4, keywords=?5, modseq=?6 "
        "WHERE folder_id=?1 AND uid=?2");
    for (const auto& m : intent.messages) {
        q.bind(1, id_).bind(2, m.uid);
        if (!q.step()) continue;  // gone since (the index was rebuilt, say)
        std::string base(q.text(0));
        bool inNew = q.integer(1) != 0;
        std::string rowName = base + (q.isNull(2) ? "" : ":" + std::string(q.text(2)));
        auto rowFlags = static_cast<SystemFlags>(q.integer(3));
        std::string rowKeywords(q.text(4));
        q.reset();
        if (base != m.base) continue;  // another message has the UID now (a rebuild)
        KeywordIds ids;
        for (const auto& name : intent.keywordSets[m.keywords])
            ids.push_back(keywordIdLocked(db, name));
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        std::string keywords = KeywordTable::encode(ids);
        SystemFlags toFlags = MaildirName::parse(m.to).flags();
        if (!inNew && rowName == m.to && rowFlags == toFlags && rowKeywords == keywords)
            continue;  // the STORE committed

        // The file: under its old name (renamed now), its new one, or found by its base
        // name when another program renamed it (the change applied to what it has now).
        std::string now;
        auto from = d / m.from, to = d / "cur" / m.to;
        if (::rename(from.c_str(), to.c_str()) == 0) {
            now = m.to;
            crashPoint("store-recovery-after-rename");
        } else if (errno != ENOENT) {
            throwIo("Cannot rename", from.string(), errno);
        } else if (::access(to.c_str(), F_OK) == 0) {
            now = m.to;
        } else if (auto found = locateByBase(base)) {
            auto name = MaildirName::parse(std::filesystem::path(*found).filename().string());
            now = nameWithFlags(name, applyFlags(name.flags(), intent.flags, intent.mode));
            auto target = d / "cur" / now;
            if (target != *found && ::rename(found->c_str(), target.c_str()) != 0) {
                if (errno == ENOENT) continue;  // moving still; the next scan sees where
                throwIo("Cannot rename", *found, errno);
            }
        } else {
            continue;  // deleted meanwhile: the next scan expunges it
        }
        auto name = MaildirName::parse(now);
        if (modseq == 0) modseq = bumpModseqLocked(db);
        upd.bind(1, id_)
            .bind(2, m.uid)
            .bind(3, name.infoText())
            .bind(4, name.flags())
            .bind(5, keywords)
            .bind(6, static_cast<std::int64_t>(modseq))
            .run();
        if (keywords != rowKeywords) mirror.emplace_back(base, std::move(ids));
    }
}

}  // namespace maildex::index
