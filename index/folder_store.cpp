// Folder::store (STORE, RFC 3501 6.4.6; UNCHANGEDSINCE, RFC 7162 3.1.3).
//
// A STORE that changes keywords first writes its intent into the folder's journal and
// retires it after its commit, so that one killed half-way is finished by the next
// writer with all of its new flags and keywords: index/store_journal.cpp says how, and
// why that is safe.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "index/courier_keywords.h"
#include "index/crash_point.h"
#include "index/error.h"
#include "index/file_util.h"
#include "index/folder.h"
#include "index/maildir_name.h"
#include "index/mailstore.h"
#include "index/sqlite.h"
#include "index/store_intent.h"

namespace maildex::index {

namespace {

KeywordIds applyKeywords(const KeywordIds& current, const KeywordIds& change, StoreMode mode) {
    KeywordIds out;
    switch (mode) {
        case StoreMode::Replace:
            return change;
        case StoreMode::Add:
            std::set_union(current.begin(), current.end(), change.begin(), change.end(),
                           std::back_inserter(out));
            return out;
        case StoreMode::Remove:
            std::set_difference(current.begin(), current.end(), change.begin(), change.end(),
                                std::back_inserter(out));
            return out;
    }
    return out;
}

}  // namespace

SystemFlags applyFlags(SystemFlags current, SystemFlags change, StoreMode mode) {
    change &= flag::ImapMask;
    switch (mode) {
        case StoreMode::Replace:
            return static_cast<SystemFlags>((current & ~flag::ImapMask) | change);
        case StoreMode::Add:
            return static_cast<SystemFlags>(current | change);
        case StoreMode::Remove:
            return static_cast<SystemFlags>(current & ~change);
    }
    return current;
}

// The name a file gets with `flags` (always with an info part: it goes to cur/).
std::string nameWithFlags(const MaildirName& name, SystemFlags flags) {
    std::string out = name.withFlags(flags);
    if (out.find(':') == std::string::npos) out += ":2,";
    return out;
}

namespace {

// "cur/<name>" or "new/<name>" of a message file's path.
std::string relativeToFolder(std::string_view path) {
    size_t name = path.rfind('/');
    size_t dir = name == 0 || name == std::string_view::npos ? 0 : path.rfind('/', name - 1) + 1;
    return std::string(path.substr(dir));
}

}  // namespace

StoreResult Folder::store(const UidList& uids, const FlagChange& change) {
    StoreResult result;
    struct Step {
        std::uint32_t uid;
        std::string base;
        std::string from;  // the file's path now
        std::string name;  // its name afterwards, in cur/
        std::string to;    // and that path
        KeywordIds keywords, oldKeywords;
        bool renamed = false, skipped = false;
    };
    // Outside the work, for the undo that runs after it should the commit fail.
    std::vector<Step> steps;
    std::filesystem::path intentPath;
    bool mirrorTouched = false;
    const auto d = dir();
    write({}, [&](WriteScope& w) {
        auto& db = w.db();

        KeywordIds changeIds;
        for (const auto& name : change.keywords) {
            if (change.mode == StoreMode::Remove) {
                if (auto id = findKeywordIdLocked(db, name)) changeIds.push_back(*id);
            } else {
                changeIds.push_back(keywordIdLocked(db, name));
            }
        }
        std::sort(changeIds.begin(), changeIds.end());
        changeIds.erase(std::unique(changeIds.begin(), changeIds.end()), changeIds.end());

        struct Current {
            std::uint32_t uid;
            MessageState state;
            KeywordIds keywords;
        };
        std::vector<Current> current;
        forEachState(uids, [&](std::uint32_t uid, const MessageState& st) {
            current.push_back({uid, st, state_.keywords.set(st.keywords)});
        });

        // What each message becomes, from memory; whether any keyword changes decides
        // whether the STORE writes an intent.
        struct Want {
            std::uint32_t uid;
            KeywordIds keywords, oldKeywords;
        };
        std::vector<Want> wants;
        bool keywordsChange = false;
        for (const auto& c : current) {
            result.matched.push_back(c.uid);
            if (change.unchangedSince && c.state.modseq > *change.unchangedSince) {
                result.modified.push_back(c.uid);
                continue;
            }
            SystemFlags flags = applyFlags(c.state.flags, change.flags, change.mode);
            KeywordIds keywords = applyKeywords(c.keywords, changeIds, change.mode);
            if (flags == c.state.flags && keywords == c.keywords) continue;
            keywordsChange |= keywords != c.keywords;
            wants.push_back({c.uid, std::move(keywords), c.keywords});
        }

        steps.reserve(wants.size());
        const std::string curDir = (d / "cur").string() + "/";
        auto fileName = [](std::string_view path) { return path.substr(path.rfind('/') + 1); };
        // A message's file and its name afterwards; false when it is gone (the next scan
        // expunges it). The file's name is the truth for its flags: when another program
        // changed them since the index last looked, the change applies to what it has.
        auto plan = [&](Want& want) {
            std::string base;
            auto path = currentPathLocked(db, want.uid, &base);
            if (!path) return false;
            auto name = MaildirName::parse(fileName(*path));
            std::string newName =
                nameWithFlags(name, applyFlags(name.flags(), change.flags, change.mode));
            std::string to = curDir + newName;
            steps.push_back({want.uid, std::move(base), std::move(*path), std::move(newName),
                             std::move(to), std::move(want.keywords), std::move(want.oldKeywords)});
            return true;
        };
        auto& upd = db.prepare(
            "UPDATE message SET in_new=0, info=?3, flags=?4, keywords=?5, modseq=?6 "
            "WHERE folder_id=?1 AND uid=?2");
        std::vector<std::pair<std::string, KeywordIds>> keywordChanges;
        // The rename, then the row.
        auto apply = [&](Step& s) {
            if (s.to != s.from) {
                if (::rename(s.from.c_str(), s.to.c_str()) != 0) {
                    if (errno != ENOENT) throwIo("Cannot rename", s.from, errno);
                    // Renamed by another program since we looked: the change applies to the
                    // flags it has now.
                    auto found = locateByBase(s.base);
                    if (!found) {
                        s.skipped = true;  // gone; the next scan expunges it
                        return;
                    }
                    auto name = MaildirName::parse(fileName(*found));
                    s.from = *found;
                    s.name =
                        nameWithFlags(name, applyFlags(name.flags(), change.flags, change.mode));
                    s.to = curDir + s.name;
                    if (s.to != s.from && ::rename(s.from.c_str(), s.to.c_str()) != 0) {
                        if (errno != ENOENT) throwIo("Cannot rename", s.from, errno);
                        s.skipped = true;
                        return;
                    }
                }
                s.renamed = s.to != s.from;
            }
            crashPoint("store-after-rename");
            if (result.modseq == 0) result.modseq = bumpModseqLocked(db);
            auto name = MaildirName::parse(s.name);
            upd.bind(1, id_)
                .bind(2, s.uid)
                .bind(3, name.infoText())
                .bind(4, name.flags())
                .bind(5, KeywordTable::encode(s.keywords))
                .bind(6, static_cast<std::int64_t>(result.modseq))
                .run();
            result.changed.push_back(s.uid);
            if (s.keywords != s.oldKeywords) keywordChanges.emplace_back(s.base, s.keywords);
        };

        if (keywordsChange) {
            // Every message's change is known before a file is touched: the intent lists
            // them, each distinct keyword set once (a STORE gives most messages the same).
            for (auto& want : wants)
                plan(want);
            StoreIntent intent;
            intent.mode = change.mode;
            intent.flags = static_cast<SystemFlags>(change.flags & flag::ImapMask);
            std::map<KeywordIds, std::uint32_t> sets;
            intent.messages.reserve(steps.size());
            for (const auto& step : steps) {
                auto [it, added] =
                    sets.try_emplace(step.keywords, static_cast<std::uint32_t>(sets.size()));
                if (added) intent.keywordSets.push_back(keywordNamesLocked(db, it->first));
                intent.messages.push_back(
                    {step.uid, step.base, relativeToFolder(step.from), step.name, it->second});
            }
            intentPath = writeIntentLocked(intent);
            crashPoint("store-after-intent");
        }

        // Nothing is committed: put the files and the mirror back (all old), then the intent
        // may go. What cannot be put back is rolled forward by the next writer.
        w.onAbort([this, &steps, &intentPath, &mirrorTouched, &d] {
            bool undone = true;
            for (auto it = steps.rbegin(); it != steps.rend(); ++it)
                if (it->renamed && ::rename(it->to.c_str(), it->from.c_str()) != 0) undone = false;
            if (mirrorTouched) {
                try {
                    for (const auto& s : steps) {
                        if (s.keywords == s.oldKeywords || s.skipped) continue;
                        std::vector<std::string> names;
                        {
                            std::lock_guard l(mu_);
                            for (auto id : s.oldKeywords)
                                names.push_back(state_.keywords.names()[id]);
                        }
                        writeCourierKeywordUpdate(
                            d, s.base, std::set<std::string>(names.begin(), names.end()));
                    }
                } catch (...) {
                    undone = false;
                }
            }
            if (undone && !intentPath.empty()) retireIntent(intentPath);
        });
        if (keywordsChange) {
            for (auto& s : steps)
                apply(s);
        } else {
            // System flags only: each message's rename is its whole change.
            for (auto& want : wants)
                if (plan(want)) apply(steps.back());
        }
        mirrorTouched = true;
        mirrorKeywordsLocked(db, keywordChanges);
        crashPoint("store-before-commit");
        w.afterCommit([this, &intentPath] {
            crashPoint("store-after-commit");
            if (!intentPath.empty()) retireIntent(intentPath);
        });
    });
    return result;
}

}  // namespace maildex::index
