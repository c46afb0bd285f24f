#pragma once
// COMPRESS=DEFLATE (RFC 4978): the raw deflate streams (RFC 1951, no zlib header: zlib's
// windowBits -15) of one connection, both ways. A transform between the connection's
// buffers and its byte transport: IMAP bytes -> deflate -> TLS (or the socket), and back.
// It knows nothing of sockets or of IMAP.
//
// Idle sessions stay cheap. A live deflater holds about 256 KB and an inflater about
// 40 KB, more than the rest of an idle connection together; Dovecot cannot hibernate a
// compressed session for that reason. So release() gives both back between bursts:
// - The deflater: every compress() ends in Z_SYNC_FLUSH, which leaves the output on a
//   byte boundary and ends no stream (no final block), so deflateEnd() loses nothing the
//   peer has not got. A later compress() starts a fresh raw stream whose blocks simply
//   follow: the peer's inflater is between blocks, and the new stream makes no
//   back-references to what came before (it has no history), which is valid deflate.
//   (Z_FULL_FLUSH is not needed for that: it only stops the *same* stream from
//   referring back, and we end that stream anyway.) The cost is compression history:
//   the first response after a release does not refer back to earlier ones.
// - The inflater: the client's stream may refer up to 32 KB back into what it sent, so
//   its history must survive. When the inflater stands between blocks with no bits
//   held (what the client's Z_SYNC_FLUSH after a command leaves), its whole state is the
//   window, and the window holds only as many bytes as the client has sent (an idle
//   client has sent a few hundred). We keep those bytes (inflateGetDictionary) and free
//   the rest; inflateSetDictionary puts them back when input comes. A client that
//   flushes otherwise (Z_PARTIAL_FLUSH leaves bits between blocks) keeps its inflater.
//
// Input is inflated in bounded steps (inflateInto's limit): a few bytes that inflate to
// gigabytes (a "decompression bomb") are held compressed until the connection has room
// for more, so they cost no more memory than the same input sent plain.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace maildex::net {

class DeflateStream {
  public:
    // `total`, when given, is kept up to date with the bytes zlib holds (a gauge that many
    // streams add to: what compression costs the server now).
    explicit DeflateStream(std::atomic<std::int64_t>* total = nullptr);
    ~DeflateStream();
    DeflateStream(const DeflateStream&) = delete;
    DeflateStream& operator=(const DeflateStream&) = delete;

    // Compresses `in` and appends it to `out`, flushed so the peer can read all of it.
    // Throws std::bad_alloc when zlib gets no memory.
    void compress(std::string_view in, std::string& out);

    // Compressed bytes from the peer, kept until inflateInto() takes them.
    void addInput(std::string_view compressed);
    // Input not inflated yet, or output zlib may still hold (its last call filled the room).
    bool hasPendingInput() const { return pendingOffset_ < pending_.size() || moreOutput_; }
    // Inflates pending input onto `out` until `out` holds `limit` bytes or no input is
    // left. False when the input is not a valid deflate stream; error() says why (and
    // the stream is then useless: the connection ends).
    bool inflateInto(std::string& out, std::size_t limit);
    const std::string& error() const { return error_; }

    // Frees what can be freed between bursts (see the top of this file). Cheap to call
    // often: it does nothing where nothing can go.
    void release();

    // For tests and measurements: whether each side's zlib state is live, the bytes zlib
    // holds now, and the inflater history kept while released.
    bool deflaterLive() const { return deflater_ != nullptr; }
    bool inflaterLive() const { return inflater_ != nullptr; }
    std::size_t zlibBytes() const { return zlibBytes_; }
    std::size_t keptHistory() const { return history_.size(); }

  private:
    struct Zs;  // a z_stream, held apart so a released stream costs a null pointer
    friend struct ZlibCounter;
    bool startInflater();
    void endInflater();

    std::unique_ptr<Zs> deflater_;
    std::unique_ptr<Zs> inflater_;
    std::string history_;  // the inflater's window while released
    std::string pending_;  // compressed input not inflated yet
    std::size_t pendingOffset_ = 0;
    std::string error_;
    std::size_t zlibBytes_ = 0;
    std::atomic<std::int64_t>* total_;
    bool betweenBlocks_ = true;  // the inflater holds nothing but its window
    bool ended_ = false;         // the client's stream had its final block
    bool moreOutput_ = false;    // the inflater's last call ran out of room
};

}  // namespace maildex::net
