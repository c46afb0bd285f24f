// Folder: the writing operations EXPUNGE, APPEND and COPY/MOVE (STORE is in
// folder_store.cpp). Each follows the order in folder.h: transaction,
// finish interrupted STOREs, catch up, files, rows, commit, catch up (which publishes).
//
// What a crash between the files and the commit leaves (folder_scan.cpp numbers files the
// index does not know and expunges rows whose file is gone):
// - EXPUNGE unlinks first: a row whose file is gone, expunged by the next scan.
// - APPEND and COPY write the new messages' keywords into the target's
//   courierimapkeywords/ first, then place the files: a file in cur/ without a row, which
//   the next scan numbers with those keywords (and with the UID courierimapuiddb may
//   already give it). Nothing is lost, and the copy is whole.
// - MOVE renames each file into the target (MOVE is within one Maildir): at every moment
//   the file is in exactly one of the two folders, and the scans agree with it - the
//   source expunges the row whose file left, the target numbers the file, with its flags
//   (in the name) and keywords (in the mirror, written first). Linking into the target
//   and unlinking the source after the commit, as MOVE once did, left it in both.
// A writer that fails without dying (an I/O or SQLite error) puts back what it placed
// before its transaction rolls back: APPEND and COPY remove their files, MOVE renames
// them back.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "index/crash_point.h"
#include "index/error.h"
#include "index/file_modes.h"
#include "index/file_util.h"
#include "index/folder.h"
#include "index/maildir_name.h"
#include "index/mailstore.h"
#include "index/message_rows.h"
#include "index/sqlite.h"
#include "index/staged_message.h"

namespace maildex::index {

namespace {

// Message text as stored: CRLF becomes LF (Maildir files use the Unix line end; Courier
// stores APPENDed mail the same way). Returns the size with CRLF line ends too.
std::string toStoredForm(const std::string& data, std::uint64_t& vsize) {
    std::string out;
    out.reserve(data.size());
    std::uint64_t lines = 0;
    for (size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') continue;
        if (data[i] == '\n' && (out.empty() || out.back() != '\r')) ++lines;
        out.push_back(data[i]);
    }
    vsize = out.size() + lines;
    return out;
}

// A message file copied into another folder where the file system cannot link or rename
// it there: written through `tmpDir`, synced, with the source's mtime (INTERNALDATE).
// False when `from` is gone.
bool copyMessageFile(const std::filesystem::path& from, const std::filesystem::path& to,
                     const std::filesystem::path& tmpDir) {
    struct stat st;
    if (::stat(from.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        throwIo("Cannot copy", from.string(), errno);
    }
    auto data = readFileIfExists(from);
    if (!data) return false;
    auto tmp = tmpDir / uniqueTmpName("copy");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, newFileMode());
    if (fd < 0) throwIo("Cannot create", tmp.string(), errno);
    try {
        writeAll(fd, *data, tmp.string());
        if (::fsync(fd) != 0) throwIo("Cannot sync", tmp.string(), errno);
        struct timespec times[2] = {st.st_mtim, st.st_mtim};
        ::futimens(fd, times);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), to.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throwIo("Cannot copy", to.string(), err);
    }
    return true;
}

// After link() or rename() said ENOENT: false when the source is gone (the caller looks
// for it under another name); an error when the target's directory is.
bool sourceVanished(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (::access(from.c_str(), F_OK) != 0) return true;
    throwIo("Cannot place", to.string(), ENOENT);
}

// COPY: a hard link shares the data and keeps the mtime (INTERNALDATE); a copy where the
// file system cannot link. False when `from` is gone.
bool linkMessageFile(const std::filesystem::path& from, const std::filesystem::path& to,
                     const std::filesystem::path& tmpDir) {
    if (::link(from.c_str(), to.c_str()) == 0) return true;
    if (errno == ENOENT) return !sourceVanished(from, to);
    if (errno != EXDEV && errno != EPERM && errno != EMLINK)
        throwIo("Cannot copy", from.string(), errno);
    return copyMessageFile(from, to, tmpDir);
}

// MOVE: a rename, so the message is in exactly one folder at every moment. Across file
// systems (a folder on another mount) a copy, then the source's unlink: only there can a
// crash between the two leave it in both. False when `from` is gone.
bool moveMessageFile(const std::filesystem::path& from, const std::filesystem::path& to,
                     const std::filesystem::path& toTmpDir) {
    if (::rename(from.c_str(), to.c_str()) == 0) return true;
    if (errno == ENOENT) return !sourceVanished(from, to);
    if (errno != EXDEV) throwIo("Cannot move", from.string(), errno);
    if (!copyMessageFile(from, to, toTmpDir)) return false;
    if (::unlink(from.c_str()) != 0 && errno != ENOENT) {
        int err = errno;
        ::unlink(to.c_str());
        throwIo("Cannot move", from.string(), err);
    }
    return true;
}

}  // namespace

UidList Folder::expungeDeleted(const UidList* restrictTo) {
    UidList removed;
    write({}, [&](WriteScope& w) {
        auto& db = w.db();
        UidList candidates;
        {
            std::lock_guard l(mu_);
            const UidList& all = *state_.uids;
            for (size_t i = 0; i < all.size(); ++i) {
                if (!(state_.messages[i].flags & flag::Deleted)) continue;
                if (restrictTo &&
                    !std::binary_search(restrictTo->begin(), restrictTo->end(), all[i]))
                    continue;
                candidates.push_back(all[i]);
            }
        }
        if (!candidates.empty()) {
            std::uint64_t modseq = bumpModseqLocked(db);
            auto& del = db.prepare("DELETE FROM message WHERE folder_id=?1 AND uid=?2");
            auto& exp = db.prepare(
                "INSERT OR REPLACE INTO expunged(folder_id, uid, modseq) VALUES(?1,?2,?3)");
            QuotaDelta freed;
            for (auto uid : candidates) {
                // Unlink first, then the index: a crash in between leaves a row whose file
                // is gone, which the next scan expunges.
                std::string base;
                struct stat st;
                if (auto path = currentPathLocked(db, uid, &base, &st)) {
                    if (::unlink(path->c_str()) == 0)
                        freed.add(static_cast<std::int64_t>(
                            sizeField(base, 'S').value_or(static_cast<std::uint64_t>(st.st_size))));
                    else if (errno != ENOENT)
                        throwIo("Cannot remove", *path, errno);
                }
                crashPoint("expunge-after-unlink");
                del.bind(1, id_).bind(2, uid).run();
                exp.bind(1, id_).bind(2, uid).bind(3, static_cast<std::int64_t>(modseq)).run();
                removed.push_back(uid);
            }
            if (countsForQuota()) w.removeFromQuota(freed);
        }
    });
    return removed;
}

void Folder::sealTmpFile(int fd, TmpFile& t, std::int64_t internalDate) {
    if (::fsync(fd) != 0) throwIo("Cannot sync", t.path.string(), errno);
    struct timeval now;
    gettimeofday(&now, nullptr);
    t.internalDate = internalDate ? internalDate : now.tv_sec;
    struct timespec times[2] = {{t.internalDate, 0}, {t.internalDate, 0}};
    ::futimens(fd, times);  // INTERNALDATE is the file's mtime
    struct stat st;
    if (::fstat(fd, &st) != 0) throwIo("Cannot read", t.path.string(), errno);
    t.base = newMessageBase(now.tv_sec, now.tv_usec, st.st_dev, st.st_ino, t.size);
}

Folder::TmpFile Folder::writeTmpFile(NewMessage& m) {
    TmpFile t;
    t.flags = m.flags & flag::ImapMask;
    t.keywords = m.keywords;
    if (m.staged) {
        // Received into tmp/ as it arrived (index/staged_message.h); the file is now
        // placeTmpFiles' to move or remove.
        t.path = m.staged->path();
        t.size = m.staged->size();
        t.vsize = m.staged->vsize();
        sealTmpFile(m.staged->fd(), t, m.internalDate);
        m.staged->release();
        return t;
    }
    t.path = dir() / "tmp" / uniqueTmpName("append");
    std::string stored = toStoredForm(m.data, t.vsize);
    m.data.clear();
    m.data.shrink_to_fit();
    int fd = ::open(t.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, newFileMode());
    if (fd < 0) throwIo("Cannot create", t.path.string(), errno);
    try {
        writeAll(fd, stored, t.path.string());
        t.size = stored.size();
        sealTmpFile(fd, t, m.internalDate);
    } catch (...) {
        ::close(fd);
        ::unlink(t.path.c_str());
        throw;
    }
    ::close(fd);
    return t;
}

UidList Folder::append(std::vector<NewMessage>& messages) {
    // Each message is written to tmp/ and synced before any can become visible.
    std::vector<TmpFile> tmps;
    tmps.reserve(messages.size());
    try {
        for (auto& m : messages)
            tmps.push_back(writeTmpFile(m));
    } catch (...) {
        for (const auto& t : tmps)
            ::unlink(t.path.c_str());
        throw;
    }
    return placeTmpFiles(tmps);
}

UidList Folder::placeTmpFiles(std::vector<TmpFile>& tmps) {
    auto d = dir();
    UidList uids;
    std::uint32_t reserved = 0;  // courierimapuiddb's next UID, once written
    try {
        write({}, [&](WriteScope& w) {
            auto& db = w.db();
            auto& f = db.prepare("SELECT uidnext FROM folder WHERE id=?1");
            f.bind(1, id_);
            if (!f.step())
                throw Error(ErrorKind::NotFound, "Folder '" + name_ + "' no longer exists");
            auto uidNext = static_cast<std::uint32_t>(f.integer(0));
            f.reset();
            std::uint64_t modseq = bumpModseqLocked(db);
            if (countsForQuota()) {
                QuotaDelta added;
                for (const auto& t : tmps)
                    added.add(static_cast<std::int64_t>(t.size));
                w.addToQuota(added);
            }

            // The keywords go into courierimapkeywords/ before the files into cur/: should the
            // process die before its commit, the scan that numbers a file placed meanwhile
            // gives it its keywords from there (folder_scan.cpp). Should the transaction not
            // commit, both are taken back while the index is still ours (so that no scan
            // numbers a file in between) and a client that retries gets the message once.
            std::vector<KeywordIds> keywords(tmps.size());
            std::vector<std::pair<std::string, KeywordIds>> keywordChanges;
            for (size_t i = 0; i < tmps.size(); ++i) {
                for (const auto& k : tmps[i].keywords)
                    keywords[i].push_back(keywordIdLocked(db, k));
                std::sort(keywords[i].begin(), keywords[i].end());
                keywords[i].erase(std::unique(keywords[i].begin(), keywords[i].end()),
                                  keywords[i].end());
                if (!keywords[i].empty()) keywordChanges.emplace_back(tmps[i].base, keywords[i]);
            }
            if (mirrorKeywordsLocked(db, keywordChanges))
                for (const auto& change : keywordChanges)
                    w.onAbort([file = d / "courierimapkeywords" / change.first] {
                        ::unlink(file.c_str());
                    });
            crashPoint("append-after-keywords");

            MessageRowWriter rows(db, id_);
            std::vector<std::pair<std::uint32_t, std::string>> mirrored;
            for (size_t i = 0; i < tmps.size(); ++i) {
                const auto& t = tmps[i];
                std::string info = "2," + infoLetters(t.flags, {});
                auto target = d / "cur" / (t.base + ":" + info);
                if (::rename(t.path.c_str(), target.c_str()) != 0)
                    throwIo("Cannot deliver", target.string(), errno);
                w.onAbort([target] { ::unlink(target.c_str()); });
                crashPoint("append-after-rename");
                std::uint32_t uid = uidNext++;
                MessageRow row;
                row.uid = uid;
                row.base = t.base;
                row.info = info;
                row.flags = t.flags;
                row.keywords = KeywordTable::encode(keywords[i]);
                row.modseq = modseq;
                row.internalDate = t.internalDate;
                row.size = static_cast<std::int64_t>(t.size);
                row.vsize = static_cast<std::int64_t>(t.vsize);
                rows.add(std::move(row));
                uids.push_back(uid);
                mirrored.emplace_back(uid, t.base);
            }
            rows.flush();
            db.prepare("UPDATE folder SET uidnext=?2 WHERE id=?1")
                .bind(1, id_)
                .bind(2, uidNext)
                .run();
            writeUidMirrorLocked(db, mirrored);
            reserved = uidNext;
            w.claimRecent(*this);
            crashPoint("append-before-commit");
            w.afterCommit([] { crashPoint("append-after-commit"); });
        });
    } catch (...) {
        for (const auto& t : tmps)
            ::unlink(t.path.c_str());  // those not placed
        if (reserved) keepReservedUids(reserved);
        throw;
    }
    return uids;
}

void Folder::keepReservedUids(std::uint32_t uidNext) noexcept {
    try {
        write(WriteOptions::bare(), [&](WriteScope& w) {
            w.db()
                .prepare("UPDATE folder SET uidnext=MAX(uidnext, ?2) WHERE id=?1")
                .bind(1, id_)
                .bind(2, uidNext)
                .run();
        });
    } catch (...) {
        // The next writer appends to courierimapuiddb from the index's next UID; Courier
        // ignores the lines of files that do not exist.
    }
}

CopyResult Folder::copyTo(const UidList& uids, Folder& dest, bool move,
                          const CopyFlagFilter& filter) {
    if (&dest.mailstore() != store_.get())
        throw Error(ErrorKind::NotAllowed, "Cannot copy between different Maildirs");
    CopyResult result;
    std::uint32_t reserved = 0;  // dest's courierimapuiddb's next UID, once written
    auto srcDir = dir(), destDir = dest.dir();
    try {
        write({}, [&](WriteScope& w) {
            auto& db = w.db();
            w.join(dest);

            struct Source {
                std::uint32_t uid;
                std::vector<std::string> keywords;
                std::string path;  // where its file is
                std::string base;  // of that file
                std::string newBase;
                KeywordIds destKeywords;
                std::uint64_t size = 0;  // as Maildir++ quota counts it
            };
            std::vector<Source> sources;
            forEachState(uids, [&](std::uint32_t uid, const MessageState& st) {
                sources.push_back({uid,
                                   filter.dropKeywords ? std::vector<std::string>{}
                                                       : namesOfSetLocked(st.keywords),
                                   {},
                                   {},
                                   {},
                                   {}});
            });
            auto& f = db.prepare("SELECT uidnext, uidvalidity FROM folder WHERE id=?1");
            f.bind(1, dest.id_);
            if (!f.step())
                throw Error(ErrorKind::NotFound, "Folder '" + dest.name_ + "' no longer exists");
            auto uidNext = static_cast<std::uint32_t>(f.integer(0));
            result.destUidValidity = static_cast<std::uint32_t>(f.integer(1));
            f.reset();

            // Each message's file and its name in dest, then its keywords into dest's
            // courierimapkeywords/ before any file appears there: should the process die
            // before its commit, the scan that numbers a file placed meanwhile gives it its
            // keywords from there.
            std::vector<std::pair<std::string, KeywordIds>> destKeywords;
            for (auto& s : sources) {
                struct stat st;
                auto path = currentPathLocked(db, s.uid, &s.base, &st);
                if (!path) continue;
                s.path = std::move(*path);
                struct timeval now;
                gettimeofday(&now, nullptr);
                s.size = sizeField(s.base, 'S').value_or(static_cast<std::uint64_t>(st.st_size));
                s.newBase = newMessageBase(now.tv_sec, now.tv_usec, st.st_dev, st.st_ino, s.size);
                for (const auto& k : s.keywords)
                    s.destKeywords.push_back(dest.keywordIdLocked(db, k));
                std::sort(s.destKeywords.begin(), s.destKeywords.end());
                s.destKeywords.erase(std::unique(s.destKeywords.begin(), s.destKeywords.end()),
                                     s.destKeywords.end());
                if (!s.destKeywords.empty()) destKeywords.emplace_back(s.newBase, s.destKeywords);
            }
            // The quota counts every folder but Trash: a copy adds to it, a move only when it
            // crosses Trash's border (out of Trash adds, into Trash frees).
            QuotaDelta carried;
            for (const auto& s : sources)
                if (!s.path.empty()) carried.add(static_cast<std::int64_t>(s.size));
            if (dest.countsForQuota() && (!move || !countsForQuota()))
                w.addToQuota(carried);
            else if (move && countsForQuota() && !dest.countsForQuota())
                w.removeFromQuota(carried);

            // Should the transaction not commit, no keyword update file stays for a file that
            // does not exist, and every message goes back where it was (a copy goes), while
            // the index is still ours: no scan may number them in between.
            if (dest.mirrorKeywordsLocked(db, destKeywords))
                for (const auto& change : destKeywords)
                    w.onAbort([file = destDir / "courierimapkeywords" / change.first] {
                        ::unlink(file.c_str());
                    });
            crashPoint(move ? "move-after-keywords" : "copy-after-keywords");

            auto& meta = db.prepare(
                "SELECT internaldate, size, vsize FROM message WHERE folder_id=?1 AND uid=?2");
            MessageRowWriter rows(db, dest.id_);
            auto& del = db.prepare("DELETE FROM message WHERE folder_id=?1 AND uid=?2");
            auto& exp = db.prepare(
                "INSERT OR REPLACE INTO expunged(folder_id, uid, modseq) VALUES(?1,?2,?3)");
            std::uint64_t destModseq = 0, srcModseq = 0;
            std::vector<std::pair<std::uint32_t, std::string>> mirrored;
            const auto destTmp = destDir / "tmp";
            for (const auto& s : sources) {
                if (s.path.empty()) continue;
                // The flags are the file name's (another program may have changed them since
                // the index last looked). A file renamed between our look and the link or
                // rename is looked for again.
                std::string from = s.path, info;
                SystemFlags flags = 0;
                std::filesystem::path target;
                bool done = false;
                for (int attempt = 0; attempt < 3 && !done; ++attempt) {
                    auto name =
                        MaildirName::parse(std::string_view(from).substr(from.rfind('/') + 1));
                    flags = static_cast<SystemFlags>(name.flags() & ~filter.drop);
                    info = "2," + infoLetters(flags, name.otherLetters());
                    target = destDir / "cur" / (s.newBase + ":" + info);
                    done = move ? moveMessageFile(from, target, destTmp)
                                : linkMessageFile(from, target, destTmp);
                    if (!done) {
                        auto found = locateByBase(s.base);
                        if (!found) break;
                        from = std::move(*found);
                    }
                }
                if (!done) continue;  // gone: the next scan expunges it
                w.onAbort([target, from, move, srcTmp = srcDir / "tmp"] {
                    // Where that fails the file stays in dest: the scans number it there and
                    // expunge it in the source, so it is still in exactly one folder.
                    if (move)
                        moveMessageFile(target, from, srcTmp);
                    else
                        ::unlink(target.c_str());
                });
                crashPoint(move ? "move-after-rename" : "copy-after-link");

                meta.bind(1, id_).bind(2, s.uid);
                std::optional<std::int64_t> date, fsize, vsize;
                if (meta.step()) {
                    if (!meta.isNull(0)) date = meta.integer(0);
                    if (!meta.isNull(1)) fsize = meta.integer(1);
                    if (!meta.isNull(2)) vsize = meta.integer(2);
                    meta.reset();
                }
                if (destModseq == 0) destModseq = dest.bumpModseqLocked(db);
                std::uint32_t uid = uidNext++;
                MessageRow row;
                row.uid = uid;
                row.base = s.newBase;
                row.info = info;
                row.flags = flags;
                row.keywords = KeywordTable::encode(s.destKeywords);
                row.modseq = destModseq;
                row.internalDate = date;
                row.size = fsize;
                row.vsize = vsize;
                rows.add(std::move(row));
                result.sourceUids.push_back(s.uid);
                result.destUids.push_back(uid);
                mirrored.emplace_back(uid, s.newBase);
                if (move) {
                    if (srcModseq == 0) srcModseq = bumpModseqLocked(db);
                    del.bind(1, id_).bind(2, s.uid).run();
                    exp.bind(1, id_)
                        .bind(2, s.uid)
                        .bind(3, static_cast<std::int64_t>(srcModseq))
                        .run();
                }
            }
            rows.flush();
            db.prepare("UPDATE folder SET uidnext=?2 WHERE id=?1")
                .bind(1, dest.id_)
                .bind(2, uidNext)
                .run();
            if (!mirrored.empty()) {
                dest.writeUidMirrorLocked(db, mirrored);
                reserved = uidNext;
            }
            // Copies into the folder itself are claimed like any new mail.
            w.claimRecent(dest);
            crashPoint(move ? "move-before-commit" : "copy-before-commit");
            w.afterCommit([] { crashPoint("move-after-commit"); });
        });
    } catch (...) {
        if (reserved) dest.keepReservedUids(reserved);
        throw;
    }
    return result;
}

}  // namespace maildex::index
