#pragma once
// A folder's keywords: names stored once per folder (ids are positions, stable for the
// life of the index), and the distinct keyword sets messages use, interned so a message
// carries one small number instead of a list. Keyword names compare case-insensitively
// (RFC 3501 flags are case-insensitive); the first spelling seen is kept.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maildex::index {

using KeywordIds = std::vector<std::uint32_t>;  // ascending

class KeywordTable {
  public:
    KeywordTable() { sets_.emplace_back(); }

    const std::vector<std::string>& names() const { return names_; }
    std::optional<std::uint32_t> find(std::string_view name) const;
    // Adds a name with the next id; the caller has checked it is not present.
    std::uint32_t add(std::string name);

    // The id of an interned set (0 is the empty set).
    std::uint32_t intern(const KeywordIds& ids);
    const KeywordIds& set(std::uint32_t id) const { return sets_[id]; }
    std::uint32_t setCount() const { return static_cast<std::uint32_t>(sets_.size()); }

    // "0 3 5" and back, as the index stores a message's keywords.
    static std::string encode(const KeywordIds& ids);
    static KeywordIds decode(std::string_view text);

  private:
    std::vector<std::string> names_;
    std::map<std::string, std::uint32_t> byFolded_;  // ASCII-lowercased name → id
    std::vector<KeywordIds> sets_;
    std::map<KeywordIds, std::uint32_t> setIds_;
};

std::string foldKeyword(std::string_view name);

}  // namespace maildex::index
