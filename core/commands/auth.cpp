// Not-authenticated state: STARTTLS (RFC 3501 6.2.1), LOGIN (6.2.3), AUTHENTICATE PLAIN
// (6.2.2, RFC 4616), SCRAM-SHA-256(-PLUS) and CRAM-MD5 (core/session_challenge.cpp) and LOGIN
// (draft-murchison-sasl-login: Outlook and older clients send the name and then the password, each
// in base64, after "Username:" and "Password:" challenges), with SASL-IR (RFC 4959).
//
// Credentials never reach a log. A failed attempt is answered after the delay the
// authenticator asks for; the transport holds the answer back (no thread sleeps).

#include <Poco/Base64Decoder.h>

#include <sstream>

#include "core/commands/handlers.h"

namespace maildex::core::commands {

namespace {

void requirePrivacy(CommandContext& ctx) {
    const auto& t = ctx.session.transport();
    if (!t.tlsActive && !t.plaintextAuthAllowed)
        throw CommandError(
            "Log in after STARTTLS: plain-text logins are disabled on this connection",
            "PRIVACYREQUIRED");
    if (!ctx.session.authenticator())
        throw CommandError("Logins are not available here", "UNAVAILABLE");
}

std::optional<std::string> decodeBase64(const std::string& text) {
    for (char c : text)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '='))
            return std::nullopt;
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string out;
    char buf[256];
    while (decoder.read(buf, sizeof buf) || decoder.gcount() > 0) {
        out.append(buf, static_cast<size_t>(decoder.gcount()));
        if (decoder.eof()) break;
    }
    if (decoder.bad()) return std::nullopt;
    return out;
}

}  // namespace

void startTls(CommandContext& ctx) {
    ctx.args.expectEnd();
    const auto& t = ctx.session.transport();
    if (t.tlsActive) throw CommandError("TLS is already active", "", true);
    if (!t.tlsOffered) throw CommandError("STARTTLS is not available here", "", true);
    ctx.okText = "Begin TLS negotiation now";
    ctx.next = Session::Next::StartTls;
}

void login(CommandContext& ctx) {
    std::string user = ctx.args.astring("a user name");
    std::string password = ctx.args.astring("a password");
    ctx.args.expectEnd();
    requirePrivacy(ctx);
    ctx.session.attemptLogin(user, password);
    ctx.okCode = [caps = ctx.session.capabilities()](ResponseWriter& w) {
        w.code("CAPABILITY").atoms(caps);
    };
    ctx.okText = "Logged in";
}

// RFC 8437. Offered where a login can follow (not to a pre-authenticated session).
void unauthenticate(CommandContext& ctx) {
    ctx.args.expectEnd();
    if (!ctx.session.authenticator()) throw CommandError("Unknown command", "", true);
    ctx.session.unauthenticate();
    ctx.okText = "Not authenticated";
}

void authenticate(CommandContext& ctx) {
    std::string mechanism = ctx.args.upperAtom("a SASL mechanism");
    std::optional<std::string> initial;
    if (!ctx.args.atEnd()) initial = ctx.args.atom("an initial response");
    ctx.args.expectEnd();
    bool challenge = mechanism == "SCRAM-SHA-256" || mechanism == "SCRAM-SHA-256-PLUS" ||
                     mechanism == "CRAM-MD5";
    if (mechanism != "PLAIN" && mechanism != "LOGIN" && !challenge)
        throw CommandError("Unsupported authentication mechanism", "CANNOT");
    requirePrivacy(ctx);
    if (challenge) {
        // Advertised only where they can work: the user database holds SCRAM keys or plain
        // passwords, and -PLUS needs TLS with channel binding.
        if (!ctx.session.offersMechanism(mechanism))
            throw CommandError("Authentication mechanism not offered here", "CANNOT");
        ctx.session.startChallenge(ctx.tag(), mechanism, initial);
        ctx.continues = true;
        ctx.next = Session::Next::Line;
        return;
    }
    // A site whose IMAP_CAPABILITY leaves a mechanism out does not want it used.
    if (ctx.session.config().capabilities && !ctx.session.offersMechanism(mechanism))
        throw CommandError("Authentication mechanism not offered here", "CANNOT");
    if (mechanism == "LOGIN") {
        // The initial response, when sent, is the name; the password is always asked for.
        if (!initial) {
            ctx.out().continuation().atom("VXNlcm5hbWU6").end();  // "Username:"
            ctx.session.awaitLoginName(ctx.tag());
        } else {
            auto user = decodeSaslResponse(*initial);
            if (!user || user->empty()) throw CommandError("Invalid LOGIN response", "", true);
            ctx.session.awaitLoginPassword(ctx.tag(), *user);
        }
        ctx.continues = true;
        ctx.next = Session::Next::Line;
        return;
    }
    if (!initial) {
        // No SASL-IR: ask for the response with an empty challenge.
        ctx.out().continuation().end();
        ctx.session.awaitSaslResponse(ctx.tag());
        ctx.continues = true;
        ctx.next = Session::Next::Line;
        return;
    }
    ctx.session.finishPlain(*initial == "=" ? std::string() : *initial);
    ctx.okCode = [caps = ctx.session.capabilities()](ResponseWriter& w) {
        w.code("CAPABILITY").atoms(caps);
    };
    ctx.okText = "Logged in";
}

std::optional<std::string> decodeSaslResponse(const std::string& base64) {
    if (base64.empty() || base64 == "=") return std::string();
    return decodeBase64(base64);
}

// The PLAIN message (RFC 4616): authzid NUL authcid NUL password. False when it is not
// one; an authorization identity is returned for the login to check.
bool parsePlainResponse(const std::string& base64, std::string& authzid, std::string& user,
                        std::string& password) {
    auto decoded = decodeBase64(base64);
    if (!decoded) return false;
    auto first = decoded->find('\0');
    if (first == std::string::npos) return false;
    auto second = decoded->find('\0', first + 1);
    if (second == std::string::npos) return false;
    authzid = decoded->substr(0, first);
    user = decoded->substr(first + 1, second - first - 1);
    password = decoded->substr(second + 1);
    std::fill(decoded->begin(), decoded->end(), '\0');
    return !user.empty();
}

}  // namespace maildex::core::commands
