#pragma once
// The process-wide pool of index databases. Every Mailstore open in the process is
// registered by its Maildir, so that opening a Maildir twice gives the same Mailstore (one
// database connection and one state per folder for all of a user's sessions), and the
// databases open at once are counted and kept under a bound (Mailstore::limitOpenDatabases
// says why): opening one more closes the least recently used one that is not in use.
//
// The Mailstore members that open, close and count its database (db(), releaseMemory,
// closeUnusedDatabases, limitOpenDatabases, ...) are defined in database_pool.cpp; the
// functions here are what Mailstore's own open, constructor and destructor need.

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace maildex::index {

class Mailstore;

namespace database_pool {

// The Mailstore registered for this Maildir, or the one `make` makes, registered. Both
// happen under the registry's lock, so two threads opening a Maildir get one Mailstore.
std::shared_ptr<Mailstore> findOrAdd(const std::filesystem::path& maildir,
                                     const std::function<std::shared_ptr<Mailstore>()>& make);
// Every Mailstore open in the process (for counting over all logged-in users).
std::vector<std::shared_ptr<Mailstore>> openStores();
// Drops the Maildir's entry once its Mailstore is gone (from its destructor).
void forget(const std::filesystem::path& maildir);
// A Mailstore's constructor opened its database; its destructor let an open one go.
void countOpened();
void countClosed();

}  // namespace database_pool

}  // namespace maildex::index
