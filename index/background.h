#pragma once
// Work the index does after answering: turning a large first index's pending rows into
// rows (index/pending_rows.h). Each task runs on its own thread; there are few (one per
// large folder seen for the first time) and each ends by itself.
//
// A task runs under the filesystem identity of the thread that posted it (the user whose
// folder it works on; base/fs_identity.h).
//
// A process must call waitForBackgroundWork() before it exits normally, or the work is
// cut short: nothing is lost then (the next process that writes the folder finishes it),
// but it is done again.

#include <functional>

namespace maildex::index {

void runInBackground(std::function<void()> task);
void waitForBackgroundWork();

}  // namespace maildex::index
