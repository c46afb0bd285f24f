#include "core/mime/charset.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "core/imap/ascii.h"

namespace maildex::core::mime {

namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Labels mail uses that glibc spells differently (names from the WHATWG Encoding Standard's
// label table, limited to the ones seen in real mail).
std::string iconvName(std::string_view charset) {
    std::string name = ascii::lower(std::string(charset));
    static const std::pair<std::string_view, std::string_view> kAliases[] = {
        {"ks_c_5601-1987", "CP949"},    {"iso-8859-8-i", "ISO-8859-8"}, {"x-gbk", "GBK"},
        {"gb2312", "GB18030"},          {"x-mac-roman", "MACINTOSH"},   {"x-sjis", "SHIFT_JIS"},
        {"unicode-1-1-utf-7", "UTF-7"}, {"x-euc-jp", "EUC-JP"},
    };
    for (const auto& [label, real] : kAliases)
        if (name == label) return std::string(real);
    return name;
}

bool isPassThrough(std::string_view charset) {
    std::string name = ascii::lower(std::string(charset));
    return name.empty() || name == "us-ascii" || name == "ascii" || name == "ansi_x3.4-1968" ||
           name == "us_ascii";
}

// A few converters stay open per thread: SEARCH converts many short strings in the same
// handful of charsets, and iconv_open loads a gconv module each time.
class ConverterCache {
  public:
    ~ConverterCache() {
        for (auto& [name, cd] : entries_)
            iconv_close(cd);
    }
    iconv_t get(const std::string& name) {
        for (auto& [n, cd] : entries_)
            if (n == name) {
                iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
                return cd;
            }
        iconv_t cd = iconv_open("UTF-8", name.c_str());
        if (cd == reinterpret_cast<iconv_t>(-1)) return cd;
        if (entries_.size() >= kMaxEntries) {
            iconv_close(entries_.front().second);
            entries_.erase(entries_.begin());
        }
        entries_.emplace_back(name, cd);
        return cd;
    }

  private:
    static constexpr std::size_t kMaxEntries = 8;
    std::vector<std::pair<std::string, iconv_t>> entries_;
};

}  // namespace

std::optional<std::string> convertToUtf8(std::string_view bytes, std::string_view charset) {
    thread_local ConverterCache cache;
    iconv_t cd = cache.get(iconvName(charset));
    if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;

    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    char buffer[4096];
    char* in = const_cast<char*>(bytes.data());
    std::size_t inLeft = bytes.size();
    while (inLeft > 0) {
        char* o = buffer;
        std::size_t outLeft = sizeof buffer;
        std::size_t r = iconv(cd, &in, &inLeft, &o, &outLeft);
        out.append(buffer, static_cast<std::size_t>(o - buffer));
        if (r != static_cast<std::size_t>(-1)) continue;
        if (errno == E2BIG) continue;
        // EILSEQ (invalid byte) or EINVAL (truncated sequence): one replacement character,
        // then go on with the next byte.
        out += kReplacementChar;
        ++in;
        --inLeft;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
    // Flush a stateful encoding's final shift sequence.
    char* o = buffer;
    std::size_t outLeft = sizeof buffer;
    iconv(cd, nullptr, nullptr, &o, &outLeft);
    out.append(buffer, static_cast<std::size_t>(o - buffer));
    return out;
}

namespace {

// Charsets in which every byte below 0x80 is that ASCII character: text of such bytes
// only is already UTF-8 (most mail, whatever it declares), and iconv need not see it.
bool isAsciiSuperset(std::string_view charset) {
    std::string name = ascii::lower(std::string(charset));
    return name == "utf-8" || name == "utf8" || name.starts_with("iso-8859-") ||
           name.starts_with("windows-125") || name.starts_with("cp125") ||
           name.starts_with("koi8-");
}

bool isAscii(std::string_view bytes) {
    return std::all_of(bytes.begin(), bytes.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::string toUtf8(std::string_view bytes, std::string_view charset) {
    if (isPassThrough(charset)) return std::string(bytes);
    if (isAscii(bytes) && isAsciiSuperset(charset)) return std::string(bytes);
    auto converted = convertToUtf8(bytes, charset);
    return converted ? std::move(*converted) : std::string(bytes);
}

}  // namespace maildex::core::mime
