#include "index/keyword_table.h"

#include <charconv>

namespace maildex::index {

std::string foldKeyword(std::string_view name) {
    std::string out(name);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::optional<std::uint32_t> KeywordTable::find(std::string_view name) const {
    auto it = byFolded_.find(foldKeyword(name));
    if (it == byFolded_.end()) return std::nullopt;
    return it->second;
}

std::uint32_t KeywordTable::add(std::string name) {
    auto id = static_cast<std::uint32_t>(names_.size());
    byFolded_.emplace(foldKeyword(name), id);
    names_.push_back(std::move(name));
    return id;
}

std::uint32_t KeywordTable::intern(const KeywordIds& ids) {
    if (ids.empty()) return 0;
    auto [it, inserted] = setIds_.try_emplace(ids, static_cast<std::uint32_t>(sets_.size()));
    if (inserted) sets_.push_back(ids);
    return it->second;
}

std::string KeywordTable::encode(const KeywordIds& ids) {
    std::string out;
    for (auto id : ids) {
        if (!out.empty()) out += ' ';
        out += std::to_string(id);
    }
    return out;
}

KeywordIds KeywordTable::decode(std::string_view text) {
    KeywordIds ids;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        while (p < end && *p == ' ')
            ++p;
        std::uint32_t v = 0;
        auto [next, ec] = std::from_chars(p, end, v);
        if (ec != std::errc()) break;
        ids.push_back(v);
        p = next;
    }
    return ids;
}

}  // namespace maildex::index
