#pragma once
// The state of a challenge-response AUTHENTICATE (SCRAM-SHA-256, SCRAM-SHA-256-PLUS,
// CRAM-MD5) between the client's lines; core/session_challenge.cpp runs the exchange.
// Included where Session is destroyed, so the session can hold it by pointer.

#include <optional>
#include <string>

#include "core/auth/scram.h"
#include "core/authenticator.h"
#include "core/session.h"

namespace maildex::core {

struct Session::ChallengeState {
    enum class Step { ClientFirst, ClientFinal, Acknowledge, CramResponse };
    std::string mechanism;  // as advertised: "SCRAM-SHA-256", "CRAM-MD5", ...
    Step step = Step::ClientFirst;
    std::optional<auth::ScramExchange> scram;
    std::string cramChallenge;
    std::string user;                  // the login name the client gave
    std::optional<Identity> identity;  // the account, once the proof is right
    std::optional<ChallengeAccount> account;
};

}  // namespace maildex::core
