#pragma once
// What FETCH computes from a message's content and answers again and again (ENVELOPE,
// BODY, BODYSTRUCTURE: a client lists a folder by fetching them for every message), kept
// per message in the index as the bytes once written, so that answering them again reads
// no file. The bytes depend on how the writer quotes (UTF8=ACCEPT) and on the code that
// made them: both are part of the field number, and a change to what writeEnvelope,
// writeBody or writeBodyStructure produce must bump kFormat.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/commands/fetch_items.h"
#include "index/folder.h"

namespace maildex::core::commands {

class FetchCache {
  public:
    // Reads what is kept for the cacheable items of `items` of these messages (ascending).
    FetchCache(index::Folder& folder, const std::vector<FetchItem>& items,
               const index::UidList& uids, bool utf8);

    // The kept bytes of item `kind` for message `i` (the index into the UIDs given), or
    // null when there are none or the item is not cacheable.
    const std::string* find(FetchItem::Kind kind, std::size_t i) const;
    // Whether message `i` needs its content for `item`.
    bool needsContent(const FetchItem& item, std::size_t i) const;
    // Bytes just written for `kind` of message `uid`; kept at the next flush().
    void remember(FetchItem::Kind kind, std::uint32_t uid, std::string_view bytes);
    // Stores what was remembered. A failure is logged, not thrown: it is only a cache.
    void flush();

  private:
    struct Item {
        FetchItem::Kind kind;
        std::uint32_t field;
        std::vector<std::optional<std::string>> kept;
        std::vector<std::pair<std::uint32_t, std::string>> fresh;
    };
    const Item* item(FetchItem::Kind kind) const;

    index::Folder& folder_;
    std::vector<Item> items_;
};

}  // namespace maildex::core::commands
