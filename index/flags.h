#pragma once
// System flags as stored in Maildir file names. The letters and their order are the
// Maildir convention (https://cr.yp.to/proto/maildir.html): info "2," then the flag
// letters in ASCII order. Letters we do not know are kept verbatim, never dropped.

#include <cstdint>
#include <string>
#include <string_view>

namespace maildex::index {

using SystemFlags = std::uint8_t;

namespace flag {
inline constexpr SystemFlags Draft = 1 << 0;     // D
inline constexpr SystemFlags Flagged = 1 << 1;   // F
inline constexpr SystemFlags Passed = 1 << 2;    // P (not an IMAP flag; kept as a letter)
inline constexpr SystemFlags Answered = 1 << 3;  // R
inline constexpr SystemFlags Seen = 1 << 4;      // S
inline constexpr SystemFlags Deleted = 1 << 5;   // T
// The five flags IMAP exposes as \Draft \Flagged \Answered \Seen \Deleted.
inline constexpr SystemFlags ImapMask = Draft | Flagged | Answered | Seen | Deleted;
}  // namespace flag

// The flag a Maildir info letter stands for, or 0 for a letter we do not interpret.
SystemFlags flagForLetter(char letter);

// Splits the letters after "2," into interpreted flags and the other letters (kept so a
// rename writes them back).
struct InfoFlags {
    SystemFlags flags = 0;
    std::string otherLetters;  // ASCII-sorted, no duplicates
};
InfoFlags parseInfoLetters(std::string_view letters);

// The letters for `flags` merged with `otherLetters`, in ASCII order, without duplicates.
std::string infoLetters(SystemFlags flags, std::string_view otherLetters);

}  // namespace maildex::index
