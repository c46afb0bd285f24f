#include "core/search/key_cache.h"

#include "core/message/message_source.h"
#include "core/mime/header_fields.h"
#include "index/error.h"

namespace maildex::core::search {

namespace {

// The message's header, or nullopt when it is gone. A file renamed by another program
// since the index last saw it is looked for by file().
std::optional<std::string> readHeader(index::Folder& folder, std::uint32_t uid,
                                      const std::optional<std::filesystem::path>& path) {
    if (!path) return std::nullopt;
    try {
        return loadHeaderCrlf(*path);
    } catch (const index::Error& e) {
        if (e.kind() != index::ErrorKind::NotFound) throw;
    }
    try {
        return loadHeaderCrlf(folder.file(uid).path);
    } catch (const index::Error& e) {
        if (e.kind() != index::ErrorKind::NotFound) throw;
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::vector<KeyValue>> loadKeys(index::Folder& folder, const index::UidList& uids,
                                            const std::vector<SortKey>& keys) {
    std::vector<std::vector<KeyValue>> values(keys.size(), std::vector<KeyValue>(uids.size()));
    // Which message lacks which key: missing[i] has bit k set.
    std::vector<std::uint32_t> missing(uids.size(), (1u << keys.size()) - 1);
    for (size_t k = 0; k < keys.size(); ++k) {
        auto cached = folder.cachedValues(static_cast<std::uint32_t>(keys[k]));
        // Both lists ascend by UID.
        size_t i = 0;
        for (auto& c : cached) {
            while (i < uids.size() && uids[i] < c.uid)
                ++i;
            if (i == uids.size()) break;
            if (uids[i] != c.uid) continue;
            values[k][i] = {c.number, std::move(c.bytes)};
            missing[i] &= ~(1u << k);
        }
    }

    index::UidList todo;
    std::vector<size_t> todoIndex;
    for (size_t i = 0; i < uids.size(); ++i)
        if (missing[i]) {
            todo.push_back(uids[i]);
            todoIndex.push_back(i);
        }
    if (todo.empty()) return values;

    auto paths = folder.lastKnownPaths(todo);
    std::vector<std::vector<index::CachedValue>> computed(keys.size());
    for (size_t t = 0; t < todo.size(); ++t) {
        auto header = readHeader(folder, todo[t], paths[t]);
        if (!header) continue;  // expunged meanwhile: empty keys, nothing kept
        auto fields = mime::splitHeaderFields(*header);
        size_t i = todoIndex[t];
        for (size_t k = 0; k < keys.size(); ++k) {
            if (!(missing[i] & (1u << k))) continue;
            values[k][i] = computeKey(keys[k], fields);
            computed[k].push_back({todo[t], values[k][i].number, values[k][i].bytes});
        }
    }
    for (size_t k = 0; k < keys.size(); ++k)
        if (!computed[k].empty())
            folder.storeCachedValues(static_cast<std::uint32_t>(keys[k]), std::move(computed[k]));
    return values;
}

std::vector<std::int64_t> sentDates(index::Folder& folder, const index::UidList& uids,
                                    const std::vector<KeyValue>& sentDateKeys) {
    std::vector<std::int64_t> dates(uids.size(), 0);
    index::UidList undated;
    std::vector<size_t> undatedIndex;
    for (size_t i = 0; i < uids.size(); ++i) {
        if (sentDateKeys[i].number) {
            dates[i] = *sentDateKeys[i].number;
        } else {
            undated.push_back(uids[i]);
            undatedIndex.push_back(i);
        }
    }
    if (undated.empty()) return dates;
    auto internal = folder.internalDates(undated);
    for (size_t u = 0; u < undated.size(); ++u)
        if (internal[u]) dates[undatedIndex[u]] = *internal[u];
    return dates;
}

}  // namespace maildex::core::search
