// What a hub's 401 or 403 says about the token, for the one line a client prints. The hub
// answers RFC 6750's challenge: `WWW-Authenticate: Bearer` when a private topic got no token,
// `Bearer error="invalid_token", error_description="..."` when the token did not verify, and
// `Bearer error="insufficient_scope"` when a valid token does not allow the request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ssehub::cli {

struct BearerChallenge {
    std::string error;       // "invalid_token", "insufficient_scope"; empty: none given
    std::string description; // error_description; empty: none given
};

// The Bearer challenge in a WWW-Authenticate `value`, or nullopt when it holds none. Reads
// auth-params of the form name="quoted" or name=token, in any order.
std::optional<BearerChallenge> parse_bearer_challenge(std::string_view value);

// "401 the token was refused (invalid_token): token expired at 1767225600" and the like: the
// status, what the challenge means for the user, and the hub's reason (`body_line`, the first
// line of the answer's body, or the description when the body has none). Empty when `status`
// is not 401 or 403 or there is no Bearer challenge: the caller then says what it always did.
std::string describe_token_refusal(int status, const std::string* www_authenticate,
                                   std::string_view body_line, bool token_sent);

// Whether the hub refused the token because it has expired (invalid_token, and the verifier's
// description "token expired at ...").
bool refused_as_expired(const std::string* www_authenticate);

} // namespace ssehub::cli
