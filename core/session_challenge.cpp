// AUTHENTICATE with a challenge and a response, where the password never crosses the wire:
// SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, 7677; the exchange is
// core/auth/scram.h) and CRAM-MD5 (RFC 2195). Each message of the client is one line in
// base64 (RFC 3501 6.2.2); "*" cancels with BAD. Over IMAP, which has no success data,
// SCRAM's final server message is a continuation the client answers with an empty line.
//
//   C: a AUTHENTICATE SCRAM-SHA-256 biwsbj11c2VyLHI9...      (SASL-IR, RFC 4959)
//   S: + cj0uLi4scz0uLi4saT00MDk2
//   C: Yz1iaXdzLHI9Li4uLHA9Li4u
//   S: + dj0uLi4=
//   C:
//   S: a OK [CAPABILITY ...] Logged in
//
// Pacing is as for LOGIN (core/auth/login_throttle.h): admitted once the name is known,
// settled with the verdict. A name with no account, or whose password is a one-way hash,
// gets made-up keys, so the exchange looks the same and fails at the proof.

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>

#include "base/log.h"
#include "core/command.h"
#include "core/commands/handlers.h"
#include "core/session.h"
#include "core/session_challenge.h"

namespace maildex::core {

namespace {

std::string hex(const unsigned char* data, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

[[noreturn]] void malformed(const std::string& why) {
    throw CommandError("Invalid authentication exchange: " + why, "", true);
}

}  // namespace

void Session::startChallenge(const std::string& tag, const std::string& mechanism,
                             const std::optional<std::string>& initial) {
    try {
        beginChallenge(tag, mechanism, initial);
    } catch (...) {
        challenge_.reset();
        awaiting_ = Awaiting::Command;
        awaitingTag_.clear();
        throw;
    }
}

void Session::beginChallenge(const std::string& tag, const std::string& mechanism,
                             const std::optional<std::string>& initial) {
    challenge_ = std::make_unique<ChallengeState>();
    challenge_->mechanism = mechanism;
    awaitingTag_ = tag;
    if (mechanism == "CRAM-MD5") {
        // RFC 2195: a unique string in the form of a message id.
        unsigned char r[12];
        RAND_bytes(r, sizeof r);
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        challenge_->cramChallenge =
            "<" + hex(r, sizeof r) + "." + std::to_string(now) + "@maildex>";
        challenge_->step = ChallengeState::Step::CramResponse;
        if (initial) malformed("CRAM-MD5 has no initial response");
        writer_.continuation().atom(auth::base64Encode(challenge_->cramChallenge)).end();
        awaiting_ = Awaiting::Challenge;
        return;
    }
    bool plus = mechanism == "SCRAM-SHA-256-PLUS";
    challenge_->scram.emplace(plus, offersMechanism("SCRAM-SHA-256-PLUS"),
                              [binding = transport_.channelBinding](std::string_view type) {
                                  return binding ? binding->channelBinding(type) : std::nullopt;
                              });
    if (!initial) {
        writer_.continuation().end();
        awaiting_ = Awaiting::Challenge;
        return;
    }
    if (challengeStep(*initial == "=" ? std::string() : *initial)) awaiting_ = Awaiting::Challenge;
}

Session::Next Session::continueChallenge(const std::string& tag, const std::string& text) {
    static const CommandSpec* authSpec = findCommand("AUTHENTICATE");
    Running running{tag, "AUTHENTICATE", authSpec, false, {{}, "Logged in"}, Next::Command, {}};
    bool waiting = false;
    if (auto failed = runGuarded(running, [&] {
            awaitingTag_ = tag;
            waiting = challengeStep(text);
        })) {
        challenge_.reset();
        awaitingTag_.clear();
        return *failed;
    }
    if (waiting) {
        awaiting_ = Awaiting::Challenge;
        return Next::Line;
    }
    awaitingTag_.clear();
    running.ok.code = [caps = capabilities()](ResponseWriter& w) {
        w.code("CAPABILITY").atoms(caps);
    };
    return complete(running);
}

bool Session::challengeStep(const std::string& base64) {
    auto message = commands::decodeSaslResponse(base64);
    if (!message) malformed("not base64");
    auto& c = *challenge_;
    const auto& address = transport_.clientAddress;
    auto refuseUnchecked = [&] {
        responseDelay_ = std::chrono::seconds(1);
        log::info(logPrefix() + ": login refused for " + c.user + ": too many failed logins");
        throw CommandError("Too many failed logins; try again later", "UNAVAILABLE");
    };
    // The verdict, paced; throws for a failure.
    auto settle = [&](bool ok, const std::string& why) {
        auto delay = authenticator_->settle(c.user, address, ok);
        if (!delay) refuseUnchecked();
        responseDelay_ = *delay;
        if (!ok) {
            log::info(logPrefix() + ": login failed for " + c.user + " (" + c.mechanism + ": " +
                      why + ")");
            throw CommandError("Authentication failed", "AUTHENTICATIONFAILED");
        }
    };
    using Step = ChallengeState::Step;
    switch (c.step) {
        case Step::ClientFirst: {
            std::string error;
            if (!c.scram->clientFirst(*message, error)) {
                log::info(logPrefix() + ": " + c.mechanism + " refused: " + error);
                throw CommandError("Authentication failed: " + error, "AUTHENTICATIONFAILED");
            }
            c.user = c.scram->user();
            if (!authenticator_->admit(c.user, address)) refuseUnchecked();
            c.account = authenticator_->challengeAccount(c.user);
            auto keys =
                c.account && c.account->scram ? *c.account->scram : auth::decoyScramKeys(c.user);
            writer_.continuation().atom(auth::base64Encode(c.scram->serverFirst(keys))).end();
            c.step = Step::ClientFinal;
            return true;
        }
        case Step::ClientFinal: {
            std::string serverFinal, error;
            bool proved = c.scram->clientFinal(*message, serverFinal, error);
            if (proved && !c.account) error = "no such account";
            settle(proved && c.account, error);
            c.identity = c.account->identity;
            writer_.continuation().atom(auth::base64Encode(serverFinal)).end();
            c.step = Step::Acknowledge;
            return true;
        }
        case Step::Acknowledge: {
            if (!message->empty()) malformed("expected an empty response after the server's proof");
            auto identity = *c.identity;
            auto authzid = c.scram->authzid();
            auto mechanism = c.mechanism;
            challenge_.reset();
            finishChallengeLogin(identity, authzid, mechanism);
            return false;
        }
        case Step::CramResponse: {
            auto space = message->rfind(' ');
            if (space == std::string::npos || space == 0) malformed("expected NAME DIGEST");
            c.user = message->substr(0, space);
            std::string digest = message->substr(space + 1);
            if (!authenticator_->admit(c.user, address)) refuseUnchecked();
            c.account = authenticator_->challengeAccount(c.user);
            bool ok = false;
            if (c.account && !c.account->plainPassword.empty()) {
                unsigned char mac[EVP_MAX_MD_SIZE];
                unsigned int n = 0;
                const auto& pw = c.account->plainPassword;
                HMAC(EVP_md5(), pw.data(), static_cast<int>(pw.size()),
                     reinterpret_cast<const unsigned char*>(c.cramChallenge.data()),
                     c.cramChallenge.size(), mac, &n);
                std::string expected = hex(mac, n);
                ok = digest.size() == expected.size() &&
                     CRYPTO_memcmp(digest.data(), expected.data(), expected.size()) == 0;
                OPENSSL_cleanse(c.account->plainPassword.data(), c.account->plainPassword.size());
            }
            settle(ok, c.account ? (c.account->plainPassword.empty() && !ok
                                        ? "no plain password for CRAM-MD5"
                                        : "wrong digest")
                                 : "no such account or no plain password");
            auto identity = c.account->identity;
            auto mechanism = c.mechanism;
            challenge_.reset();
            finishChallengeLogin(identity, {}, mechanism);
            return false;
        }
    }
    return false;
}

void Session::finishChallengeLogin(const Identity& identity, const std::string& authzid,
                                   const std::string& mechanism) {
    if (!authzid.empty() && authzid != identity.user) {
        log::info(logPrefix() + ": " + identity.user + " may not act as another user");
        throw CommandError("Not authorized to act as that user", "AUTHORIZATIONFAILED");
    }
    logIn(identity);
    std::string how = " without TLS";
    if (transport_.tlsVersion)
        how = std::string(" over ") + transport_.tlsVersion + " " +
              (transport_.tlsCipher ? transport_.tlsCipher : "");
    log::info(logPrefix() + ": logged in with " + mechanism + how);
}

}  // namespace maildex::core
