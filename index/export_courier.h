#pragma once
// The way back (`maildexctl export courier`): Courier's files written from the index, so
// Courier-IMAP can serve a Maildex Maildir with the same UIDVALIDITY, UIDs, flags,
// keywords and subscriptions. Maildex keeps these files current as it goes; the export
// makes them complete and tidy at one moment (the server may keep running):
// - courierimapuiddb of every folder, whole (Maildex appends to it as it numbers, and
//   leaves expunged entries for the next rewrite);
// - courierimapkeywords/:list of every folder, whole, with the pending update files
//   merged (Courier reads both, but one :list is what Courier itself leaves);
// - courierimapsubscribed;
// - maildirsize, recalculated with its quota line, when there is one (Maildex does not
//   add the usage lines Courier's deliveries add).
// Flags need nothing: they are in the file names. What Courier cannot show the same way
// is reported: a namespace without the "INBOX." prefix, and modified-UTF-7 directory
// names (Courier 5 shows them literally; Courier's `maildirmake --convutf8` renames them).

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace maildex::index {

struct CourierExportOptions {
    std::filesystem::path maildir;
    std::filesystem::path indexDir;
    std::function<void(std::size_t, std::size_t, std::size_t)> progress;  // as migration.h
};

struct CourierExportReport {
    std::size_t folders = 0;
    std::size_t messages = 0;
    std::size_t messagesWithKeywords = 0;
    std::size_t subscriptions = 0;
    bool quotaRecalculated = false;
    std::vector<std::string> warnings;  // what Courier will show differently
};

CourierExportReport exportCourier(const CourierExportOptions& options);

}  // namespace maildex::index
