#pragma once
// The message rows of a large folder's first index, as one value.
//
// Inserting 100,000 rows into the message table and its two indexes is most of what a
// first index costs (about half of 450 ms here), while what a SELECT needs is only the
// UIDs and flags, and a client's next step the file names. So a first index of a large
// folder commits its rows packed into one BLOB of table pending_rows (one write of a few
// megabytes), with the folder's new UIDNEXT and courierimapuiddb, and answers from
// memory; a background task then inserts the rows and deletes the BLOB, in one
// transaction, without changing a modseq (the rows say what the BLOB said).
//
// While the BLOB exists its messages are part of the folder for every process: catch-up
// reads it like rows (Folder::catchUpLocked), and every writer turns it into rows before
// it touches the message table (Folder::materializeLocked); lookups of file names answer
// from a decoded copy in memory. A crash before the rows are inserted leaves the BLOB,
// which the next writer of any process inserts.

#include <string>
#include <string_view>
#include <vector>

#include "index/message_rows.h"

namespace maildex::index {

// Packs rows (uid, base, inNew, info, flags, keywords; the modseq is the table's).
std::string encodePendingRows(const std::vector<MessageRow>& rows);
// Unpacks them; throws Error(Corrupt) on a truncated or malformed value.
std::vector<MessageRow> decodePendingRows(std::string_view data, std::uint64_t modseq);

}  // namespace maildex::index
