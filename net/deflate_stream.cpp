// COMPRESS=DEFLATE's streams (net/deflate_stream.h).

#include "net/deflate_stream.h"

#include <zlib.h>

#include <cstdlib>
#include <new>

namespace maildex::net {

namespace {

// Raw deflate, no zlib header or checksum (RFC 4978 section 4).
constexpr int kWindowBits = -15;
// Output is produced in pieces of this size.
constexpr std::size_t kChunk = 16 * 1024;

}  // namespace

// zlib's allocations, counted (DeflateStream::zlibBytes and its gauge): each block
// carries its size.
struct ZlibCounter {
    static void add(void* opaque, std::int64_t bytes) {
        auto* s = static_cast<DeflateStream*>(opaque);
        s->zlibBytes_ = static_cast<std::size_t>(static_cast<std::int64_t>(s->zlibBytes_) + bytes);
        if (s->total_) *s->total_ += bytes;
    }
    static void* alloc(void* opaque, uInt items, uInt size) {
        std::size_t bytes = static_cast<std::size_t>(items) * size;
        auto* block = static_cast<std::size_t*>(std::malloc(bytes + sizeof(std::max_align_t)));
        if (!block) return nullptr;
        *block = bytes;
        add(opaque, static_cast<std::int64_t>(bytes));
        return reinterpret_cast<char*>(block) + sizeof(std::max_align_t);
    }
    static void free(void* opaque, void* address) {
        auto* block =
            reinterpret_cast<std::size_t*>(static_cast<char*>(address) - sizeof(std::max_align_t));
        add(opaque, -static_cast<std::int64_t>(*block));
        std::free(block);
    }
};

struct DeflateStream::Zs {
    z_stream z{};
    explicit Zs(DeflateStream* owner) {
        z.zalloc = ZlibCounter::alloc;
        z.zfree = ZlibCounter::free;
        z.opaque = owner;
    }
};

DeflateStream::DeflateStream(std::atomic<std::int64_t>* total) : total_(total) {}

DeflateStream::~DeflateStream() {
    if (deflater_) deflateEnd(&deflater_->z);
    endInflater();
}

void DeflateStream::compress(std::string_view in, std::string& out) {
    if (in.empty()) return;
    if (!deflater_) {
        auto zs = std::make_unique<Zs>(this);
        if (deflateInit2(&zs->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kWindowBits, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::bad_alloc();
        deflater_ = std::move(zs);
    }
    z_stream& z = deflater_->z;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    // Z_SYNC_FLUSH: everything reaches the client now, ending on a byte boundary with no
    // final block, so release() may end this stream (see the header).
    do {
        std::size_t at = out.size();
        out.resize(at + kChunk);
        z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
        z.avail_out = static_cast<uInt>(kChunk);
        int r = deflate(&z, Z_SYNC_FLUSH);
        out.resize(at + kChunk - z.avail_out);
        if (r != Z_OK && r != Z_BUF_ERROR) throw std::bad_alloc();  // only memory can fail
    } while (z.avail_out == 0 || z.avail_in > 0);
}

void DeflateStream::addInput(std::string_view compressed) {
    if (pendingOffset_ == pending_.size()) {
        pending_.clear();
        pendingOffset_ = 0;
    }
    pending_.append(compressed);
}

bool DeflateStream::startInflater() {
    auto zs = std::make_unique<Zs>(this);
    if (inflateInit2(&zs->z, kWindowBits) != Z_OK) {
        error_ = "no memory for the compressed stream";
        return false;
    }
    inflater_ = std::move(zs);
    if (!history_.empty()) {
        // The client's earlier commands, which its stream may refer back to.
        int r = inflateSetDictionary(&inflater_->z, reinterpret_cast<const Bytef*>(history_.data()),
                                     static_cast<uInt>(history_.size()));
        if (r != Z_OK) {
            error_ = "could not restore the compressed stream's history";
            return false;
        }
        std::string().swap(history_);
    }
    return true;
}

void DeflateStream::endInflater() {
    if (!inflater_) return;
    inflateEnd(&inflater_->z);
    inflater_.reset();
}

bool DeflateStream::inflateInto(std::string& out, std::size_t limit) {
    if (!error_.empty()) return false;
    if (!hasPendingInput() || out.size() >= limit) return true;
    if (ended_ && pendingOffset_ < pending_.size()) {
        error_ = "data after the end of the compressed stream";
        return false;
    }
    if (!inflater_ && !startInflater()) return false;
    z_stream& z = inflater_->z;
    while (hasPendingInput() && out.size() < limit) {
        z.next_in = reinterpret_cast<Bytef*>(pending_.data() + pendingOffset_);
        z.avail_in = static_cast<uInt>(pending_.size() - pendingOffset_);
        std::size_t room = std::min(kChunk, limit - out.size());
        std::size_t at = out.size();
        out.resize(at + room);
        z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
        z.avail_out = static_cast<uInt>(room);
        int r = inflate(&z, Z_SYNC_FLUSH);
        out.resize(at + room - z.avail_out);
        std::size_t used = pending_.size() - pendingOffset_ - z.avail_in;
        pendingOffset_ += used;
        // Out of room: a match may go on past it, from no more input (asked for next time).
        moreOutput_ = z.avail_out == 0 && r == Z_OK;
        // data_type: the bits held (low 6), 64 in the final block, 128 between blocks,
        // 256 inside a stored block's header. 128 alone: nothing but the window is held.
        betweenBlocks_ = (z.data_type & 0x1ff) == 128;
        if (r == Z_STREAM_END) {
            ended_ = true;
            if (hasPendingInput()) {
                error_ = "data after the end of the compressed stream";
                return false;
            }
            break;
        }
        if (r == Z_BUF_ERROR) break;  // no progress possible: wait for more input
        if (r != Z_OK) {
            error_ = z.msg ? z.msg : "invalid compressed data";
            return false;
        }
        if (used == 0 && z.avail_out != 0) break;
    }
    if (pendingOffset_ == pending_.size()) {
        std::string().swap(pending_);
        pendingOffset_ = 0;
    }
    return true;
}

void DeflateStream::release() {
    if (deflater_) {
        deflateEnd(&deflater_->z);
        deflater_.reset();
    }
    if (!inflater_ || hasPendingInput() || !betweenBlocks_ || !error_.empty()) return;
    // The window holds at most 32 KB, and only as much as the client has sent.
    uInt size = 0;
    if (inflateGetDictionary(&inflater_->z, nullptr, &size) != Z_OK) return;
    std::string kept(size, '\0');
    if (size > 0 &&
        inflateGetDictionary(&inflater_->z, reinterpret_cast<Bytef*>(kept.data()), &size) != Z_OK)
        return;
    history_ = std::move(kept);
    endInflater();
}

}  // namespace maildex::net
