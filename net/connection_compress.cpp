// COMPRESS=DEFLATE on a connection (net/connection.h): the transform between its buffers
// and its transport, in net/deflate_stream.h; this is where the connection switches it on,
// feeds it and lets it go idle.

#include "net/connection.h"
#include "net/deflate_stream.h"
#include "net/metrics.h"

namespace maildex::net {

void Connection::startCompression(std::string rest) {
    deflate_ = std::make_unique<DeflateStream>(&Metrics::instance().compressionZlibBytes);
    ++Metrics::instance().connectionsCompressed;
    // The client may have sent compressed commands right behind COMPRESS: the engine's
    // unparsed rest came first, then what was read while the command ran.
    rest += incoming_;
    std::string().swap(incoming_);
    deflate_->addInput(rest);
}

bool Connection::inflateInput() {
    if (deflate_->inflateInto(incoming_, kInputBound)) return true;
    closeBecause("invalid compressed input (" + deflate_->error() + ")");
    close();
    return false;
}

void Connection::releaseCompression() {
    // Only while nothing is in flight: no worker has the engine, no output waits, and the
    // input holds nothing not yet handed on (DeflateStream::release keeps the inflater
    // while it holds compressed input or stands inside a block).
    if (!deflate_ || scheduled_ || suspended_ || outgoingSize() > 0 || !incoming_.empty()) return;
    deflate_->release();
}

}  // namespace maildex::net
