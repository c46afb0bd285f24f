#include "core/commands/fetch_cache.h"

#include <algorithm>

#include "base/log.h"

namespace maildex::core::commands {

namespace {

using Kind = FetchItem::Kind;

constexpr std::uint32_t kFormat = 1;

std::optional<std::uint32_t> itemNumber(Kind kind) {
    switch (kind) {
        case Kind::Envelope:
            return 1;
        case Kind::Body:
            return 2;
        case Kind::BodyStructure:
            return 3;
        default:
            return std::nullopt;
    }
}

// Enough room per message that a flush happens now and then in a long FETCH, not once
// per message.
constexpr std::size_t kFlushEvery = 2000;

}  // namespace

FetchCache::FetchCache(index::Folder& folder, const std::vector<FetchItem>& items,
                       const index::UidList& uids, bool utf8)
    : folder_(folder) {
    for (const auto& i : items) {
        auto number = itemNumber(i.kind);
        if (!number || item(i.kind)) continue;
        std::uint32_t field = kFormat << 8 | *number << 1 | (utf8 ? 1 : 0);
        items_.push_back({i.kind, field, folder.messageValues(field, uids), {}});
    }
}

const FetchCache::Item* FetchCache::item(Kind kind) const {
    for (const auto& i : items_)
        if (i.kind == kind) return &i;
    return nullptr;
}

const std::string* FetchCache::find(Kind kind, std::size_t i) const {
    const Item* it = item(kind);
    if (!it || i >= it->kept.size() || !it->kept[i]) return nullptr;
    return &*it->kept[i];
}

bool FetchCache::needsContent(const FetchItem& item, std::size_t i) const {
    switch (item.kind) {
        case Kind::Envelope:
        case Kind::Body:
        case Kind::BodyStructure:
            return !find(item.kind, i);
        case Kind::Section:
        case Kind::Rfc822:
        case Kind::Rfc822Header:
        case Kind::Rfc822Text:
            return true;
        default:
            return false;
    }
}

void FetchCache::remember(Kind kind, std::uint32_t uid, std::string_view bytes) {
    for (auto& i : items_) {
        if (i.kind != kind) continue;
        i.fresh.emplace_back(uid, std::string(bytes));
        if (i.fresh.size() >= kFlushEvery) flush();
        return;
    }
}

void FetchCache::flush() {
    for (auto& i : items_) {
        if (i.fresh.empty()) continue;
        try {
            folder_.storeMessageValues(i.field, i.fresh);
        } catch (const std::exception& e) {
            log::warn("folder '" + folder_.name() + "': keeping FETCH results failed: " + e.what());
        }
        i.fresh.clear();
    }
}

}  // namespace maildex::core::commands
