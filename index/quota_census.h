#pragma once
// How full the Maildirs of the logged-in users are, counted for the server's /metrics:
// a few numbers over all users (not one series per user, which would make the metrics as
// large as the user list and reveal who is nearly full to whoever reads them).
//
// Each Maildir open in the process (each user with a session) is looked at through its
// maildirsize as it is now, whoever last wrote it (Maildex, deliverquota, maildrop): the
// file is read again only when its size or time changed since the last count, so a
// scrape with thousands of users logged in costs one stat() each.

#include <cstddef>

namespace maildex::index {

struct QuotaCensus {
    std::size_t limited = 0;  // users whose Maildir has a quota
    std::size_t over90 = 0;   // of them, more than 90% of either limit used
    std::size_t over100 = 0;  // of them, more than either limit used
};

QuotaCensus quotaCensus();

}  // namespace maildex::index
