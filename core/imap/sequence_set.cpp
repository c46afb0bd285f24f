#include "core/imap/sequence_set.h"

#include <algorithm>
#include <charconv>

namespace maildex::core {

namespace {
bool parseNumber(std::string_view s, std::uint32_t& out) {
    if (s == "*") {
        out = SequenceSet::kStar;
        return true;
    }
    if (s.empty() || s[0] == '0') return false;  // nz-number
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::optional<SequenceSet> SequenceSet::parse(std::string_view text) {
    SequenceSet set;
    if (text.empty()) return std::nullopt;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        std::string_view item = text.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        size_t colon = item.find(':');
        Range r{};
        if (colon == std::string_view::npos) {
            if (!parseNumber(item, r.first)) return std::nullopt;
            r.last = r.first;
        } else if (!parseNumber(item.substr(0, colon), r.first) ||
                   !parseNumber(item.substr(colon + 1), r.last)) {
            return std::nullopt;
        }
        set.ranges_.push_back(r);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return set;
}

SequenceSet SequenceSet::fromSorted(const std::vector<std::uint32_t>& values) {
    SequenceSet set;
    for (auto v : values) {
        if (!set.ranges_.empty() && set.ranges_.back().last + 1 == v)
            set.ranges_.back().last = v;
        else
            set.ranges_.push_back({v, v});
    }
    return set;
}

bool SequenceSet::resolveSequence(std::uint32_t count, std::vector<std::uint32_t>& out) const {
    out.clear();
    for (const auto& r : ranges_) {
        std::uint32_t a = r.first == kStar ? count : r.first;
        std::uint32_t b = r.last == kStar ? count : r.last;
        if (a > b) std::swap(a, b);
        if (a == 0 || b > count) return false;
        for (std::uint32_t n = a;; ++n) {
            out.push_back(n);
            if (n == b) break;
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return true;
}

std::vector<std::uint32_t> SequenceSet::resolveUids(const std::vector<std::uint32_t>& uids) const {
    std::vector<std::uint32_t> out;
    if (uids.empty()) return out;
    std::uint32_t star = uids.back();
    for (const auto& r : ranges_) {
        std::uint32_t a = r.first == kStar ? star : r.first;
        std::uint32_t b = r.last == kStar ? star : r.last;
        if (a > b) std::swap(a, b);
        auto lo = std::lower_bound(uids.begin(), uids.end(), a);
        auto hi = std::upper_bound(lo, uids.end(), b);
        out.insert(out.end(), lo, hi);
    }
    if (ranges_.size() > 1) {
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }
    return out;
}

bool SequenceSet::contains(std::uint32_t n, std::uint32_t star) const {
    for (const auto& r : ranges_) {
        std::uint32_t a = r.first == kStar ? star : r.first;
        std::uint32_t b = r.last == kStar ? star : r.last;
        if (a > b) std::swap(a, b);
        if (n >= a && n <= b) return true;
    }
    return false;
}

std::string SequenceSet::toString() const {
    std::string out;
    auto num = [](std::uint32_t n) { return n == kStar ? std::string("*") : std::to_string(n); };
    for (const auto& r : ranges_) {
        if (!out.empty()) out += ',';
        out += num(r.first);
        if (r.last != r.first) out += ":" + num(r.last);
    }
    return out;
}

}  // namespace maildex::core
