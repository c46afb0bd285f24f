// COMPRESS (RFC 4978 3): after the tagged OK, both directions are raw deflate streams.
// The session only decides; the transport compresses (net/deflate_stream.h), starting
// right after the CRLF that ends the tagged OK, and inflates whatever the client sent
// behind the command (Engine::takeInput). Valid once logged in, as Dovecot has it; a
// second COMPRESS is NO [COMPRESSIONACTIVE] (the same mechanism is already on).

#include "core/commands/handlers.h"

namespace maildex::core::commands {

void compress(CommandContext& ctx) {
    std::string mechanism = ctx.args.upperAtom("a compression mechanism");
    ctx.args.expectEnd();
    const auto& t = ctx.session.transport();
    if (mechanism != "DEFLATE") throw CommandError("Unknown compression mechanism", "", true);
    if (t.compressActive)
        throw CommandError("DEFLATE compression is already active", "COMPRESSIONACTIVE");
    // Where the transport cannot (stdin/stdout), or IMAP_CAPABILITY leaves it out.
    if (!t.compressOffered ||
        ctx.session.capabilities().find("COMPRESS=DEFLATE") == std::string::npos)
        throw CommandError("COMPRESS is not available here", "", true);
    ctx.session.compressionStarted();
    ctx.okText = "DEFLATE active";
    ctx.next = Session::Next::Compress;
}

}  // namespace maildex::core::commands
