#include "index/flags.h"

#include <algorithm>
#include <array>

namespace maildex::index {

namespace {
struct Letter {
    char letter;
    SystemFlags flag;
};
constexpr std::array<Letter, 6> kLetters{{
    {'D', flag::Draft},
    {'F', flag::Flagged},
    {'P', flag::Passed},
    {'R', flag::Answered},
    {'S', flag::Seen},
    {'T', flag::Deleted},
}};
}  // namespace

SystemFlags flagForLetter(char letter) {
    for (const auto& l : kLetters)
        if (l.letter == letter) return l.flag;
    return 0;
}

InfoFlags parseInfoLetters(std::string_view letters) {
    InfoFlags result;
    for (char c : letters) {
        if (SystemFlags f = flagForLetter(c)) {
            result.flags |= f;
        } else if (c != ',' && result.otherLetters.find(c) == std::string::npos) {
            result.otherLetters.push_back(c);
        }
    }
    std::sort(result.otherLetters.begin(), result.otherLetters.end());
    return result;
}

std::string infoLetters(SystemFlags flags, std::string_view otherLetters) {
    std::string out(otherLetters);
    for (const auto& l : kLetters)
        if (flags & l.flag) out.push_back(l.letter);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace maildex::index
