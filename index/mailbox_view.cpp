#include "index/mailbox_view.h"

#include <algorithm>
#include <cstdint>

namespace maildex::index {

MailboxView::MailboxView(std::shared_ptr<Folder> folder, bool readWrite)
    : folder_(std::move(folder)), readWrite_(readWrite), seq_(std::make_shared<const UidList>()) {}

MailboxView::~MailboxView() {
    if (listener_) folder_->stopListening(listener_.get());
    if (readWrite_) folder_->releaseView(this);
}

bool MailboxView::isReset() const {
    std::lock_guard lock(folder_->mu_);
    return folder_->state_.deleted || folder_->state_.uidValidity != uidValidity_;
}

std::optional<std::uint32_t> MailboxView::seqOf(std::uint32_t uid) const {
    auto it = std::lower_bound(seq_->begin(), seq_->end(), uid);
    if (it == seq_->end() || *it != uid) return std::nullopt;
    return static_cast<std::uint32_t>(it - seq_->begin()) + 1;
}

std::uint32_t MailboxView::seqAtOrAfter(std::uint32_t uid) const {
    return static_cast<std::uint32_t>(std::lower_bound(seq_->begin(), seq_->end(), uid) -
                                      seq_->begin()) +
           1;
}

std::vector<MessageMeta> MailboxView::meta(const UidList& uids) const {
    std::vector<MessageMeta> out;
    out.reserve(uids.size());
    std::lock_guard lock(folder_->mu_);
    const UidList& all = *folder_->state_.uids;
    size_t next = 0;  // where the previous UID was found, plus one: asked in order, a hit
    for (auto uid : uids) {
        MessageMeta m;
        m.uid = uid;
        size_t i =
            next < all.size() && all[next] == uid
                ? next
                : static_cast<size_t>(std::lower_bound(all.begin(), all.end(), uid) - all.begin());
        next = i + 1;
        if (i < all.size() && all[i] == uid) {
            const auto& st = folder_->state_.messages[i];
            m.flags = st.flags;
            m.keywords = st.keywords;
            m.modseq = st.modseq;
        } else {
            m.expunged = true;
            if (auto last = lastStateLocked(uid)) {
                m.flags = last->flags;
                m.keywords = last->keywords;
                m.modseq = last->modseq;
                m.lastStateKnown = true;
            }
        }
        out.push_back(m);
    }
    return out;
}

std::optional<MessageState> MailboxView::lastStateLocked(std::uint32_t uid) const {
    auto kept = std::lower_bound(expungedStates_.begin(), expungedStates_.end(), uid,
                                 [](const auto& e, std::uint32_t u) { return e.first < u; });
    if (kept != expungedStates_.end() && kept->first == uid) return kept->second;
    // Expunged since this view last synced: the folder's log still has it (unless the view
    // fell behind the log, when the state is lost and the caller answers without it).
    for (const auto& e : folder_->log_) {
        if (e.modseq <= modseq_ || e.kind != ChangeEvent::Kind::Expunged) continue;
        auto it = std::lower_bound(e.uids.begin(), e.uids.end(), uid);
        if (it != e.uids.end() && *it == uid && e.states.size() == e.uids.size())
            return e.states[static_cast<std::size_t>(it - e.uids.begin())];
    }
    return std::nullopt;
}

bool MailboxView::isRecent(std::uint32_t uid) const {
    std::lock_guard lock(folder_->mu_);
    return std::binary_search(recent_.begin(), recent_.end(), uid);
}

UidList MailboxView::recentUids() const {
    std::lock_guard lock(folder_->mu_);
    return recent_;
}

std::uint32_t MailboxView::recentCount() const {
    std::lock_guard lock(folder_->mu_);
    std::uint32_t n = 0;
    const UidList& seq = *seq_;
    if (recent_.size() * 16 < seq.size()) {
        for (auto uid : recent_)
            if (std::binary_search(seq.begin(), seq.end(), uid)) ++n;
        return n;
    }
    // Both ascending, and many (a first SELECT has every message \Recent): one walk.
    auto s = seq.begin();
    for (auto uid : recent_) {
        s = std::lower_bound(s, seq.end(), uid);  // usually the next element
        if (s != seq.end() && *s == uid) ++n;
    }
    return n;
}

void MailboxView::noteUnclaimedRecentLocked(const UidList& uids) {
    auto from = std::lower_bound(uids.begin(), uids.end(), folder_->state_.recentUid);
    if (from == uids.end()) return;
    UidList merged;
    std::set_union(recent_.begin(), recent_.end(), from, uids.end(), std::back_inserter(merged));
    recent_ = std::move(merged);
}

void MailboxView::reportFlags(const UidList& uids) {
    forcedReport_.insert(forcedReport_.end(), uids.begin(), uids.end());
}

void MailboxView::suppressOwnChange(std::uint64_t modseq) {
    if (modseq) silentModseqs_.push_back(modseq);
}

std::size_t MailboxView::unreportedChanges() const {
    const Folder& f = *folder_;
    std::lock_guard lock(f.mu_);
    std::size_t n = forcedReport_.size();
    if (modseq_ == f.state_.highestModseq) return n;
    if (modseq_ < f.logStart_) return SIZE_MAX;
    for (auto e = f.log_.rbegin(); e != f.log_.rend() && e->modseq > modseq_; ++e)
        n += std::max<std::size_t>(e->uids.size(), 1);
    return n;
}

MailboxView::Update MailboxView::sync(bool allowExpunge) {
    Update up;
    Folder& f = *folder_;
    std::lock_guard lock(f.mu_);
    if (f.state_.deleted || f.state_.uidValidity != uidValidity_) {
        up.reset = true;
        return up;
    }
    const auto& current = f.state_.uids;
    const auto mineHeld = seq_;  // seq_ is replaced below; keep the old list alive
    const UidList& mine = *mineHeld;
    UidList added, gone, changed;

    if (modseq_ != f.state_.highestModseq) {
        if (modseq_ >= f.logStart_) {
            for (const auto& e : f.log_) {
                if (e.modseq <= modseq_) continue;
                bool silent = std::find(silentModseqs_.begin(), silentModseqs_.end(), e.modseq) !=
                              silentModseqs_.end();
                switch (e.kind) {
                    case ChangeEvent::Kind::Added:
                        added.insert(added.end(), e.uids.begin(), e.uids.end());
                        break;
                    case ChangeEvent::Kind::Expunged:
                        gone.insert(gone.end(), e.uids.begin(), e.uids.end());
                        break;
                    case ChangeEvent::Kind::FlagsChanged:
                        if (!silent) changed.insert(changed.end(), e.uids.begin(), e.uids.end());
                        break;
                    case ChangeEvent::Kind::Reset:
                        break;
                }
            }
        } else {
            // Too far behind for the log: compare the lists.
            const UidList& cur = *current;
            std::uint32_t last = mine.empty() ? 0 : mine.back();
            for (size_t i = 0; i < cur.size(); ++i) {
                if (cur[i] > last)
                    added.push_back(cur[i]);
                else if (f.state_.messages[i].modseq > modseq_)
                    changed.push_back(cur[i]);
            }
            std::set_difference(mine.begin(), mine.end(), cur.begin(), cur.end(),
                                std::back_inserter(gone));
        }
    }
    std::sort(added.begin(), added.end());
    std::sort(gone.begin(), gone.end());
    gone.erase(std::unique(gone.begin(), gone.end()), gone.end());
    // Messages added and expunged since the last sync were never numbered here.
    {
        UidList addedLive;
        std::set_difference(added.begin(), added.end(), gone.begin(), gone.end(),
                            std::back_inserter(addedLive));
        UidList goneKnown;
        for (auto uid : gone)
            if (std::binary_search(mine.begin(), mine.end(), uid)) goneKnown.push_back(uid);
        added = std::move(addedLive);
        gone = std::move(goneKnown);
    }
    UidList pending;
    std::set_union(pendingExpunged_.begin(), pendingExpunged_.end(), gone.begin(), gone.end(),
                   std::back_inserter(pending));
    if (!allowExpunge) {
        // Still numbered after this sync: keep what the log says of them while it has it.
        for (auto uid : gone)
            if (auto last = lastStateLocked(uid)) expungedStates_.emplace_back(uid, *last);
        std::sort(expungedStates_.begin(), expungedStates_.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
    }

    if (allowExpunge) {
        // EXPUNGE responses in ascending order, each number counted after the ones before
        // it were removed (the RFC 3501 section 7.4.1 example).
        std::uint32_t removedBefore = 0;
        for (auto uid : pending) {
            auto seq = static_cast<std::uint32_t>(std::lower_bound(mine.begin(), mine.end(), uid) -
                                                  mine.begin()) +
                       1;
            up.expungedSeqs.push_back(seq - removedBefore);
            ++removedBefore;
        }
        up.expungedUids = pending;
        pendingExpunged_.clear();
        expungedStates_.clear();
        std::uint32_t oldCount = static_cast<std::uint32_t>(mine.size());
        seq_ = current;  // up to date: share the folder's list
        up.existsChanged = !added.empty() || (oldCount - removedBefore) != seq_->size();
    } else {
        pendingExpunged_ = std::move(pending);
        if (!added.empty()) {
            auto next = std::make_shared<UidList>(mine);
            next->insert(next->end(), added.begin(), added.end());
            if (pendingExpunged_.empty() && *next == *current)
                seq_ = current;
            else
                seq_ = std::move(next);
            up.existsChanged = true;
        } else if (pendingExpunged_.empty() && seq_ != current && *seq_ == *current) {
            seq_ = current;
        }
    }

    // FETCH for changed flags of messages still numbered and present.
    std::sort(changed.begin(), changed.end());
    std::sort(forcedReport_.begin(), forcedReport_.end());
    UidList report;
    std::set_union(changed.begin(), changed.end(), forcedReport_.begin(), forcedReport_.end(),
                   std::back_inserter(report));
    report.erase(std::unique(report.begin(), report.end()), report.end());
    for (auto uid : report) {
        if (!std::binary_search(seq_->begin(), seq_->end(), uid)) continue;
        if (std::binary_search(pendingExpunged_.begin(), pendingExpunged_.end(), uid)) continue;
        if (std::binary_search(added.begin(), added.end(), uid)) continue;  // new: EXISTS covers it
        up.changedUids.push_back(uid);
    }
    forcedReport_.clear();
    silentModseqs_.clear();
    modseq_ = f.state_.highestModseq;

    if (!readWrite_) noteUnclaimedRecentLocked(added);
    std::uint32_t recent = 0;
    for (auto uid : recent_)
        if (std::binary_search(seq_->begin(), seq_->end(), uid)) ++recent;
    // RECENT goes with new messages (as Dovecot does); an expunge the client counts itself.
    up.recentChanged = !added.empty() || (up.existsChanged && recent != reportedRecent_);
    reportedRecent_ = recent;
    return up;
}

}  // namespace maildex::index
