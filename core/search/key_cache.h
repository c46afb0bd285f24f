#pragma once
// The SORT and THREAD keys of many messages at once.
//
// Keys are costly to make (each needs the message's header from its file: 100,000 files
// for a large folder) and never change (a message's content is fixed), so they are kept
// in the index (index::Folder::cachedValues): a key is computed the first time a command
// needs it for a message and read from the index ever after. The first SORT by DATE of a
// folder reads every header once; later ones read one column of the index.

#include <vector>

#include "core/search/message_keys.h"
#include "index/folder.h"

namespace maildex::core::search {

// values[k][i] is key keys[k] of message uids[i] (ascending UIDs). A message that has
// left the folder gets empty values.
std::vector<std::vector<KeyValue>> loadKeys(index::Folder& folder, const index::UidList& uids,
                                            const std::vector<SortKey>& keys);

// RFC 5256 section 2.2: the sent date of each message, INTERNALDATE where the Date field
// is missing or unparsable.
std::vector<std::int64_t> sentDates(index::Folder& folder, const index::UidList& uids,
                                    const std::vector<KeyValue>& sentDateKeys);

}  // namespace maildex::core::search
