// Mailstore: a user's Maildir in this process - its folders (open, create, remove,
// rename), subscriptions and settings. Its index database is opened, closed and counted
// against the process's bound by the pool (database_pool.cpp).

#include "index/mailstore.h"
#include "index/file_modes.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "index/courier_subscriptions.h"
#include "index/courier_uiddb.h"
#include "index/database_pool.h"
#include "index/error.h"
#include "index/file_util.h"
#include "index/mailbox_view.h"
#include "index/private_files.h"
#include "index/schema.h"
#include "index/sqlite.h"
#include "index/watcher.h"

namespace maildex::index {

namespace {

// Courier numbers UIDVALIDITY from its own epoch (time - 1e9, IMAP_EPOCH in imapd);
// keeping that scale keeps values comparable for sites moving between the two.
constexpr std::int64_t kCourierEpoch = 1000000000;

void removeTree(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) throw Error(ErrorKind::Io, "Cannot remove " + dir.string() + ": " + ec.message());
}

}  // namespace

std::shared_ptr<Mailstore> Mailstore::open(const MailstoreOptions& options) {
    base::FsIdentityScope as(options.owner);
    struct stat st;
    if (::stat((options.maildir / "cur").c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (errno == EACCES)
            throw Error(ErrorKind::Io, options.maildir.string() + ": " + std::strerror(errno));
        throw Error(ErrorKind::NotFound, options.maildir.string() + " is not a Maildir (no cur/)");
    }
    bool made = false;
    auto store = database_pool::findOrAdd(options.maildir, [&] {
        made = true;
        return std::shared_ptr<Mailstore>(new Mailstore(options));
    });
    if (made) store->makeRoomForDatabase();  // the new store's database counts from here
    return store;
}

Mailstore::Mailstore(const MailstoreOptions& options)
    : owner_(options.owner),
      layout_(options.maildir),
      indexPath_(indexPathFor(options.maildir, options.indexDir).string()),
      pendingRowsFrom_(options.pendingRowsFrom) {
    base::FsIdentityScope as(owner_);  // whoever opens it first, the files are the owner's
    if (!options.indexDir.empty()) createPrivateDirectory(options.indexDir);
    bool created = false;
    db_ = openIndex(indexPath_, &created);
    dbOpen_ = true;
    // INBOX's tmp/ and new/ may be missing in a Maildir made by hand; create them.
    layout_.create("");
    // A new or rebuilt index takes the subscriptions from courierimapsubscribed and the
    // settings from maildexsettings.
    Transaction txn(db());
    importSubscriptionsLocked();
    if (created) {
        std::vector<std::string> warnings;
        for (const auto& [key, value] : readMaildirSettings(layout_.root(), &warnings))
            db().prepare("INSERT OR REPLACE INTO setting(key, value) VALUES(?1, ?2)")
                .bind(1, key)
                .bind(2, value)
                .run();
        for (const auto& w : warnings)
            log::warn((layout_.root() / kMaildirSettingsFile).string() + ": " + w);
    }
    txn.commit();
    database_pool::countOpened();  // once the store exists (the destructor uncounts it)
}

Mailstore::~Mailstore() {
    if (db_) {
        database_pool::countClosed();
        // The last close checkpoints the WAL and removes it: the owner's files, whichever
        // thread lets the store go.
        base::FsIdentityScope as(owner_);
        db_.reset();
    }
    database_pool::forget(layout_.root());
}

std::uint32_t Mailstore::newUidValidityLocked() {
    // Strictly increasing per Maildir, so a folder re-created within the same second
    // still gets a new value (Courier sleeps two seconds instead).
    auto now = static_cast<std::uint32_t>(::time(nullptr) - kCourierEpoch);
    auto& q = db().prepare("SELECT value FROM setting WHERE key='last_uidvalidity'");
    std::uint32_t last = 0;
    if (q.step()) {
        last = static_cast<std::uint32_t>(std::stoul(std::string(q.text(0))));
        q.reset();
    }
    std::uint32_t v = std::max(now, last + 1);
    db().prepare("INSERT OR REPLACE INTO setting(key, value) VALUES('last_uidvalidity', ?1)")
        .bind(1, std::to_string(v))
        .run();
    return v;
}

std::int64_t Mailstore::folderIdLocked(const std::string& name) {
    auto& q = db().prepare("SELECT id FROM folder WHERE name=?1");
    q.bind(1, name);
    if (q.step()) {
        auto id = q.integer(0);
        q.reset();
        return id;
    }
    // First time we see this folder (or the index was deleted): take UIDVALIDITY and the
    // next UID from courierimapuiddb when it is there, so clients notice nothing.
    std::uint32_t uidValidity = 0, uidNext = 1;
    if (auto mirror = readCourierUidDb(layout_.folderDir(name))) {
        uidValidity = mirror->uidValidity;
        uidNext = mirror->nextUid;
    }
    if (uidValidity == 0) uidValidity = newUidValidityLocked();
    db().prepare("INSERT INTO folder(name, uidvalidity, uidnext, highestmodseq) VALUES(?1,?2,?3,1)")
        .bind(1, name)
        .bind(2, uidValidity)
        .bind(3, uidNext)
        .run();
    return db().lastInsertRowid();
}

std::shared_ptr<Folder> Mailstore::folder(std::string_view name) {
    return folderImpl(name, true);
}

std::shared_ptr<Folder> Mailstore::folderUnsynced(std::string_view name) {
    return folderImpl(name, false);
}

std::shared_ptr<Folder> Mailstore::folderImpl(std::string_view name, bool sync) {
    MaildirLayout::validateName(name);
    std::shared_ptr<Folder> folder;
    bool deferWatch = false, created = false;
    {
        std::lock_guard lock(foldersMu_);
        auto it = folders_.find(name);
        if (it != folders_.end()) folder = it->second.lock();
        if (folder && folder->isDeleted()) folder.reset();
        if (!folder) {
            if (!layout_.exists(name))
                throw Error(ErrorKind::NotFound,
                            "Folder '" + std::string(name) + "' does not exist");
            std::int64_t id;
            bool scanCurrent = false;  // the last full scan's mtimes are trustworthy and still hold
            auto dir = layout_.folderDir(name);
            {
                auto dbLock = lockDb();
                Transaction txn(db());
                id = folderIdLocked(std::string(name));
                auto& q = db().prepare("SELECT new_mtime, cur_mtime FROM folder WHERE id=?1");
                q.bind(1, id);
                if (q.step()) {
                    std::int64_t newM = q.integer(0), curM = q.integer(1);
                    q.reset();
                    scanCurrent = newM != 0 && curM != 0 && newM == mtimeNs(dir / "new") &&
                                  curM == mtimeNs(dir / "cur");
                }
                txn.commit();
            }
            folder = std::make_shared<Folder>(shared_from_this(), std::string(name), id);
            // Courier creates courierimapkeywords/ on a folder's first scan too; having it
            // from the start lets the watcher see keyword changes of other processes.
            ::mkdir((dir / "courierimapkeywords").c_str(), newFolderMode());
            // Watch before the first scan, so nothing can change unseen in between. When no
            // scan is due, the watcher's thread adds the watch after the first sync (see
            // Watcher::watch): adding it walks every entry of cur/ under the directory's
            // lock, which the sync's stat of cur/ would otherwise spin on.
            deferWatch = scanCurrent && sync;
            if (!deferWatch) folder->watch_ = Watcher::instance().watch(folder, scanCurrent);
            folders_[std::string(name)] = folder;
            created = true;
        }
    }
    // What Maildex processes that are gone left in tmp/ (a process killed while writing):
    // cleaned when a process first uses the folder, which after a restart is at once.
    if (created) folder->cleanTmp(true);
    if (deferWatch) {
        // Watched whatever the sync does: a folder left unwatched would stay so.
        try {
            folder->sync(Folder::SyncMode::Quick);
        } catch (...) {
            folder->watch_ = Watcher::instance().watch(folder, true);
            throw;
        }
        folder->watch_ = Watcher::instance().watch(folder, true);
    } else if (sync) {
        folder->sync(Folder::SyncMode::Quick);
    }
    return folder;
}

std::vector<std::string> Mailstore::indexedFolders() {
    auto lock = lockDb();
    std::vector<std::string> out;
    auto& q = db().prepare("SELECT name FROM folder ORDER BY name");
    while (q.step())
        out.emplace_back(q.text(0));
    return out;
}

bool Mailstore::forgetFolder(std::string_view name) {
    {
        auto lock = lockDb();
        Transaction txn(db());
        if (layout_.exists(name)) return false;
        auto& q = db().prepare("SELECT id FROM folder WHERE name=?1");
        q.bind(1, std::string(name));
        if (!q.step()) return true;
        auto id = q.integer(0);
        q.reset();
        for (const char* sql :
             {"DELETE FROM message WHERE folder_id=?1", "DELETE FROM expunged WHERE folder_id=?1",
              "DELETE FROM keyword WHERE folder_id=?1", "DELETE FROM folder WHERE id=?1"})
            db().prepare(sql).bind(1, id).run();
        txn.commit();
    }
    resetOpenFolders(name, false);
    return true;
}

void Mailstore::create(std::string_view name) {
    MaildirLayout::validateName(name);
    if (name.empty() || layout_.exists(name))
        throw Error(ErrorKind::AlreadyExists, "Folder already exists");
    layout_.create(name);
}

void Mailstore::resetOpenFolders(std::string_view name, bool withChildren) {
    std::vector<std::shared_ptr<Folder>> affected;
    {
        std::lock_guard lock(foldersMu_);
        for (auto it = folders_.begin(); it != folders_.end();) {
            if (it->first == name || (withChildren && isInside(it->first, name))) {
                if (auto f = it->second.lock()) affected.push_back(std::move(f));
                it = folders_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& f : affected)
        f->markDeleted();
}

void Mailstore::remove(std::string_view name) {
    MaildirLayout::validateName(name);
    if (name.empty()) throw Error(ErrorKind::NotAllowed, "INBOX cannot be deleted");
    if (!layout_.exists(name))
        throw Error(ErrorKind::NotFound, "Folder '" + std::string(name) + "' does not exist");
    auto dir = layout_.folderDir(name);
    {
        auto lock = lockDb();
        Transaction txn(db());
        // Rename out of sight first, so the folder disappears at once for every program;
        // then delete at leisure.
        auto graveyard = layout_.root() / "tmp" / uniqueTmpName("deleted");
        if (::rename(dir.c_str(), graveyard.c_str()) != 0)
            throwIo("Cannot delete folder", dir.string(), errno);
        auto& q = db().prepare("SELECT id FROM folder WHERE name=?1");
        q.bind(1, std::string(name));
        if (q.step()) {
            auto id = q.integer(0);
            q.reset();
            for (const char* sql :
                 {"DELETE FROM message WHERE folder_id=?1",
                  "DELETE FROM expunged WHERE folder_id=?1",
                  "DELETE FROM keyword WHERE folder_id=?1", "DELETE FROM folder WHERE id=?1"})
                db().prepare(sql).bind(1, id).run();
        }
        txn.commit();
        removeTree(graveyard);
    }
    resetOpenFolders(name, false);
}

void Mailstore::rename(std::string_view from, std::string_view to) {
    MaildirLayout::validateName(from);
    MaildirLayout::validateName(to);
    if (to.empty()) throw Error(ErrorKind::AlreadyExists, "INBOX already exists");
    if (layout_.exists(to)) throw Error(ErrorKind::AlreadyExists, "Folder already exists");
    if (!from.empty() && isInside(to, from))
        throw Error(ErrorKind::NotAllowed, "Cannot move a folder into itself");

    if (from.empty()) {
        // RFC 3501 6.3.5: renaming INBOX moves its messages to the new name and leaves
        // INBOX, empty, in place.
        layout_.create(to);
        auto inbox = folder("");
        auto target = folder(to);
        inbox->copyTo(inbox->uids(), *target, true);
        return;
    }
    // The folder and every folder below it: ".A" and ".A.x" become ".B" and ".B.x". A
    // level without a directory of its own ("A" when only ".A.x" exists) moves its
    // children the same way.
    std::vector<std::string> names;
    for (const auto& e : layout_.list())
        if (e.selectable && (e.name == from || isInside(e.name, from))) names.push_back(e.name);
    if (names.empty())
        throw Error(ErrorKind::NotFound, "Folder '" + std::string(from) + "' does not exist");
    {
        auto lock = lockDb();
        Transaction txn(db());
        for (const auto& n : names) {
            std::string target = std::string(to) + n.substr(from.size());
            MaildirLayout::validateName(target);
            if (layout_.exists(target))
                throw Error(ErrorKind::AlreadyExists, "Folder '" + target + "' already exists");
        }
        for (const auto& n : names) {
            std::string target = std::string(to) + n.substr(from.size());
            auto src = layout_.folderDir(n), dst = layout_.folderDir(target);
            if (::rename(src.c_str(), dst.c_str()) != 0)
                throwIo("Cannot rename folder", src.string(), errno);
            // The folder keeps its UIDVALIDITY and UIDs: its messages did not change, and
            // the old name no longer exists (RFC 3501 2.3.1.1 asks no more).
            db().prepare("UPDATE folder SET name=?2 WHERE name=?1")
                .bind(1, n)
                .bind(2, target)
                .run();
        }
        txn.commit();
    }
    resetOpenFolders(from, true);
}

std::vector<std::string> Mailstore::subscriptions() {
    auto lock = lockDb();
    std::vector<std::string> out;
    auto& q = db().prepare("SELECT name FROM subscription ORDER BY name");
    while (q.step())
        out.emplace_back(q.text(0));
    return out;
}

void Mailstore::setSubscribed(std::string_view name, bool subscribed) {
    auto lock = lockDb();
    Transaction txn(db());
    if (subscribed)
        db().prepare("INSERT OR IGNORE INTO subscription(name) VALUES(?1)").bind(1, name).run();
    else
        db().prepare("DELETE FROM subscription WHERE name=?1").bind(1, name).run();
    writeCourierSubscriptionsLocked();
    txn.commit();
}

void Mailstore::writeCourierSubscriptionsLocked() {
    // courierimapsubscribed holds the names as Courier spells them on disk: "INBOX" and
    // "INBOX." + the folder's directory name.
    std::vector<std::string> courierNames;
    auto& q = db().prepare("SELECT name FROM subscription ORDER BY name");
    while (q.step())
        courierNames.push_back(q.text(0).empty() ? "INBOX" : "INBOX." + std::string(q.text(0)));
    writeCourierSubscriptions(layout_.root(), courierNames);
}

void Mailstore::exportCourierSubscriptions() {
    auto lock = lockDb();
    Transaction txn(db());
    writeCourierSubscriptionsLocked();
    txn.commit();
}

namespace {
// Folder names of courierimapsubscribed's lines: "INBOX" and "INBOX.<folder>".
std::vector<std::string> courierSubscribedFolders(const std::filesystem::path& root) {
    std::vector<std::string> out;
    for (const auto& courierName : readCourierSubscriptions(root)) {
        if (courierName == "INBOX")
            out.emplace_back();
        else if (courierName.rfind("INBOX.", 0) == 0 && courierName.size() > 6)
            out.push_back(courierName.substr(6));
        // shared folders and the like are not ours to keep
    }
    return out;
}
}  // namespace

void Mailstore::importSubscriptionsLocked() {
    auto& n = db().prepare("SELECT COUNT(*) FROM subscription");
    n.step();
    bool empty = n.integer(0) == 0;
    n.reset();
    if (!empty) return;
    for (const auto& folder : courierSubscribedFolders(layout_.root()))
        db().prepare("INSERT OR IGNORE INTO subscription(name) VALUES(?1)").bind(1, folder).run();
}

void Mailstore::replaceSubscriptionsLocked(const std::vector<std::string>& folders) {
    db().exec("DELETE FROM subscription");
    for (const auto& folder : folders)
        db().prepare("INSERT OR IGNORE INTO subscription(name) VALUES(?1)").bind(1, folder).run();
}

std::size_t Mailstore::importCourierSubscriptions() {
    auto folders = courierSubscribedFolders(layout_.root());
    auto lock = lockDb();
    Transaction txn(db());
    replaceSubscriptionsLocked(folders);
    auto& n = db().prepare("SELECT COUNT(*) FROM subscription");
    n.step();
    auto count = static_cast<std::size_t>(n.integer(0));
    n.reset();
    txn.commit();
    return count;
}

std::string Mailstore::setting(std::string_view key, std::string_view fallback) {
    auto lock = lockDb();
    auto& q = db().prepare("SELECT value FROM setting WHERE key=?1");
    q.bind(1, key);
    if (!q.step()) return std::string(fallback);
    std::string v(q.text(0));
    q.reset();
    return v;
}

namespace {
// Index bookkeeping that lives in the setting table but is no setting of the Maildir.
constexpr std::string_view kLastUidValidityKey = "last_uidvalidity";
}  // namespace

void Mailstore::setSetting(std::string_view key, std::string_view value) {
    auto lock = lockDb();
    Transaction txn(db());
    db().prepare("INSERT OR REPLACE INTO setting(key, value) VALUES(?1, ?2)")
        .bind(1, key)
        .bind(2, value)
        .run();
    // Under the index's write lock, so two processes' rewrites cannot interleave.
    writeMaildirSettings(layout_.root(), settingsLocked());
    txn.commit();
}

MaildirSettings Mailstore::settingsLocked() {
    MaildirSettings out;
    auto& q = db().prepare("SELECT key, value FROM setting");
    while (q.step()) {
        if (q.text(0) == kLastUidValidityKey) continue;
        out.emplace(std::string(q.text(0)), std::string(q.text(1)));
    }
    return out;
}

MaildirSettings Mailstore::settings() {
    auto lock = lockDb();
    return settingsLocked();
}

std::size_t Mailstore::importSettingsFile(std::vector<std::string>* warnings) {
    auto lock = lockDb();
    Transaction txn(db());
    if (!std::filesystem::exists(layout_.root() / kMaildirSettingsFile)) {
        auto current = settingsLocked();
        writeMaildirSettings(layout_.root(), current);
        txn.commit();
        return current.size();
    }
    auto file = readMaildirSettings(layout_.root(), warnings);
    db().prepare("DELETE FROM setting WHERE key<>?1").bind(1, kLastUidValidityKey).run();
    for (const auto& [key, value] : file)
        db().prepare("INSERT OR REPLACE INTO setting(key, value) VALUES(?1, ?2)")
            .bind(1, key)
            .bind(2, value)
            .run();
    txn.commit();
    return file.size();
}

void Mailstore::setAccountQuota(std::optional<MaildirQuota> quota) {
    std::lock_guard lock(quotaMu_);
    accountQuota_ = quota;
}

std::unique_ptr<QuotaAccount> Mailstore::quotaAccount() {
    std::optional<MaildirQuota> quota;
    {
        std::lock_guard lock(quotaMu_);
        quota = accountQuota_;
    }
    return std::make_unique<QuotaAccount>(layout_.root(), quota, kQuotaTrashFolder);
}

}  // namespace maildex::index
