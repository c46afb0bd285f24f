#include "index/pending_rows.h"

#include <cstring>
#include <limits>

#include "index/error.h"
#include "index/maildir_name.h"

namespace maildex::index {

namespace {

// Per row: uid u32, flags u8, bits u8 (1: in new/, 2: has info), then the lengths of the
// base name and the info (u16: parts of a file name) and of the keywords (u32), then
// their bytes. Native byte order: the value
// never leaves the index it was written to.
constexpr std::uint8_t kInNew = 1, kHasInfo = 2;

template <typename T>
void put(std::string& out, T value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void putNameLength(std::string& out, std::string_view text) {
    if (text.size() > std::numeric_limits<std::uint16_t>::max())
        throw Error(ErrorKind::Limit, "File name too long for the index");
    put(out, static_cast<std::uint16_t>(text.size()));
}

class Reader {
  public:
    explicit Reader(std::string_view data) : data_(data) {}
    bool done() const { return pos_ == data_.size(); }
    template <typename T>
    T get() {
        T value;
        std::memcpy(&value, take(sizeof value).data(), sizeof value);
        return value;
    }
    std::string_view take(std::size_t n) {
        if (data_.size() - pos_ < n)
            throw Error(ErrorKind::Corrupt, "Index: a pending first index is truncated");
        auto s = data_.substr(pos_, n);
        pos_ += n;
        return s;
    }

  private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

}  // namespace

std::string encodePendingRows(const std::vector<MessageRow>& rows) {
    std::string out;
    out.reserve(rows.size() * 64);
    for (const auto& r : rows) {
        put(out, r.uid);
        put(out, r.flags);
        put(out, static_cast<std::uint8_t>((r.inNew ? kInNew : 0) | (r.info ? kHasInfo : 0)));
        putNameLength(out, r.base);
        putNameLength(out, r.info ? *r.info : std::string_view());
        put(out, static_cast<std::uint32_t>(r.keywords.size()));
        out += r.base;
        if (r.info) out += *r.info;
        out += r.keywords;
    }
    return out;
}

std::vector<MessageRow> decodePendingRows(std::string_view data, std::uint64_t modseq) {
    std::vector<MessageRow> rows;
    rows.reserve(data.size() / 48);
    Reader in(data);
    while (!in.done()) {
        MessageRow r;
        r.uid = in.get<std::uint32_t>();
        r.flags = in.get<SystemFlags>();
        auto bits = in.get<std::uint8_t>();
        auto baseLen = in.get<std::uint16_t>();
        auto infoLen = in.get<std::uint16_t>();
        auto keywordsLen = in.get<std::uint32_t>();
        r.base = in.take(baseLen);
        if (bits & kHasInfo) r.info = std::string(in.take(infoLen));
        r.keywords = in.take(keywordsLen);
        r.inNew = bits & kInNew;
        r.modseq = modseq;
        if (auto size = sizeField(r.base, 'S')) r.size = static_cast<std::int64_t>(*size);
        if (auto vsize = sizeField(r.base, 'W')) r.vsize = static_cast<std::int64_t>(*vsize);
        rows.push_back(std::move(r));
    }
    return rows;
}

}  // namespace maildex::index
