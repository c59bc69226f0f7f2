// Verifies a signed token (a JWS compact JWT, RFC 7519) and reads the rights it grants. Tokens
// come from outside, unauthenticated until the signature checks out, so the order is fixed:
// size bound, the header (bounded JSON), the key chosen by the key set and never by the token,
// the signature, and only then the payload. This file knows no HTTP; the caller turns a
// refusal into a status (the wiring: 401 for every reason here, 403 for a valid token that may
// not do what it asks).
//
// The claims read (both layouts may appear at once; the rights are their union):
//
//   {"ssehub":  {"subscribe": ["todo/*", "alerts"], "publish": ["todo/alice"],
//                "admin": true}, ...}
//   {"mercure": {"subscribe": ["https://example.com/books/{id}"], "publish": ["*"]}, ...}
//
//   subscribe, publish  arrays of strings: topic names and patterns (topic_pattern.hpp); a
//                       missing claim grants nothing, a wrong type refuses the token
//   admin               boolean, ssehub layout only: may read the dashboard (default false;
//                       another type refuses the token)
//   exp, nbf            NumericDate (RFC 7519 4.1.4, 4.1.5), checked with `leeway_s`; a token
//                       without exp does not expire
//
// Refused whatever the key: "alg" other than HS256, RS256 or ES256 (none above all), a "crit"
// header (no extension is understood), a token over 8 KiB. Header fields that name keys
// elsewhere (jku, jwk, x5u, x5c) are ignored: keys come from the KeySet only.
#pragma once

#include "auth/key_set.hpp"
#include "auth/topic_pattern.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ssehub::auth {

inline constexpr size_t max_token_bytes = 8 * 1024;

struct Claims {
    TopicRights subscribe;
    TopicRights publish;
    bool admin = false;                  // ssehub.admin: may read /ssehub/dashboard
    std::optional<int64_t> expires_at_s; // exp, rounded down; nullopt: never
    Algorithm alg = Algorithm::HS256;    // of the key that verified the token
    std::string kid;                     // that key's kid, empty when it has none
    std::string key_fingerprint;         // that key's Key::fingerprint
};

enum class Refusal {
    Malformed,           // not a JWS compact token, bad base64url or JSON, too big or deep,
                         // a claim of the wrong type, a crit header
    BadSignature,        // no key of the token's algorithm (and kid) verifies it
    UnknownKey,          // its kid names no key
    Expired,             // now >= exp + leeway
    NotYetValid,         // now + leeway < nbf
    AlgorithmNotAllowed, // alg none, an algorithm we do not take, or none of our keys uses it
};

// A short lowercase name for metrics labels and logs: "malformed", "bad_signature", ...
std::string_view refusal_name(Refusal reason);

struct Refused {
    Refusal reason;
    std::string text; // one line for the client and the log; never the token's raw bytes
};

using Verified = std::variant<Claims, Refused>;

Verified verify(std::string_view token, const KeySet& keys, int64_t now_s, int64_t leeway_s);

} // namespace ssehub::auth
