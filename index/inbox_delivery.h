#pragma once
// A message of the server's own (the quota warning, an administrator's bulletin) put into
// a Maildir's INBOX the way an MDA delivers: written to tmp/ under a unique name, fsync'd,
// then renamed into new/ under a Maildir name that carries its ",S=" size. The file
// belongs to whoever the calling thread acts as (base/fs_identity.h): the user, when the
// caller runs under the user's identity. Quota is the caller's business (QuotaAccount).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace maildex::index {

// Delivers `text` into the INBOX of `maildirRoot`; `purpose` names the tmp/ file
// ("quotawarn", "bulletin") for whoever finds one left behind. Returns the size written.
// Throws Error(Io) when the message cannot be written; nothing is left in tmp/ then.
std::uint64_t deliverToInbox(const std::filesystem::path& maildirRoot, std::string_view text,
                             std::string_view purpose);

// An RFC 5322 date (for a Date: header) in local time, with English names whatever the
// locale; `now` in seconds since the epoch.
std::string rfc5322Date(std::int64_t now);

}  // namespace maildex::index
