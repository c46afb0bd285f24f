// Rights letters: see rights.h for how Courier's stored letters and RFC 4314's relate.

#include "core/acl/rights.h"

namespace maildex::core::acl {

std::uint64_t Rights::bit(char right) {
    if (right >= 'a' && right <= 'z') return std::uint64_t{1} << (right - 'a');
    if (right >= '0' && right <= '9') return std::uint64_t{1} << (26 + right - '0');
    return 0;
}

Rights Rights::of(std::string_view letters) {
    Rights r;
    for (char c : letters)
        r.bits_ |= bit(c);
    return r;
}

bool Rights::parseClient(std::string_view letters, Rights& out) {
    Rights r;
    for (char c : letters) {
        if (bit(c) == 0) return false;
        if (c == 'd')
            r |= of("xte");
        else if (c == 'k')
            r |= of("c");
        else
            r.bits_ |= bit(c);
    }
    out = r;
    return true;
}

std::string Rights::stored() const {
    std::string s;
    for (char c = '0'; c <= '9'; ++c)
        if (has(c)) s += c;
    for (char c = 'a'; c <= 'z'; ++c)
        if (has(c)) s += c;
    return s;
}

std::string Rights::shown() const {
    const Rights del = of("xte");
    Rights r = *this;
    if (r.hasAll(del)) r = (r - del) | of("d");
    return r.stored();
}

}  // namespace maildex::core::acl
