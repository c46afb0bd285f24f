// The load's side of COMPRESS=DEFLATE (conn_load.h, --compress): raw deflate both ways,
// as Thunderbird and mbsync speak it. The load's own memory does not count, but at 10,000
// connections it adds up: the deflater is zlib's smallest (it compresses a few short
// commands), the inflater needs the full 32 KB window the server may refer back into.

#include <zlib.h>

#include "conn_load.h"

namespace conn_load {

struct Deflate {
    z_stream out{};
    z_stream in{};
};

void DeflateDeleter::operator()(Deflate* d) const {
    deflateEnd(&d->out);
    inflateEnd(&d->in);
    delete d;
}

std::unique_ptr<Deflate, DeflateDeleter> startDeflate() {
    std::unique_ptr<Deflate, DeflateDeleter> d(new Deflate);
    if (deflateInit2(&d->out, 1, Z_DEFLATED, -9, 1, Z_DEFAULT_STRATEGY) != Z_OK ||
        inflateInit2(&d->in, -15) != Z_OK)
        die("zlib could not start");
    return d;
}

void deflateText(Deflate& d, std::string_view text, std::string& out) {
    d.out.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    d.out.avail_in = static_cast<uInt>(text.size());
    char buf[4096];
    do {
        d.out.next_out = reinterpret_cast<Bytef*>(buf);
        d.out.avail_out = sizeof buf;
        deflate(&d.out, Z_SYNC_FLUSH);
        out.append(buf, sizeof buf - d.out.avail_out);
    } while (d.out.avail_out == 0 || d.out.avail_in > 0);
}

bool inflateBytes(Deflate& d, const char* data, std::size_t size, std::string& out) {
    d.in.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    d.in.avail_in = static_cast<uInt>(size);
    char buf[16384];
    do {
        d.in.next_out = reinterpret_cast<Bytef*>(buf);
        d.in.avail_out = sizeof buf;
        int r = inflate(&d.in, Z_SYNC_FLUSH);
        if (r != Z_OK && r != Z_BUF_ERROR) return false;
        out.append(buf, sizeof buf - d.in.avail_out);
        if (r == Z_BUF_ERROR) break;
    } while (d.in.avail_out == 0 || d.in.avail_in > 0);
    return true;
}

}  // namespace conn_load
