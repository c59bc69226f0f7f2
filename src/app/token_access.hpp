// The signed tokens a request presents, and what they allow together. Tokens come from the
// Authorization header (Bearer), the --jwt-cookie cookie (subscriptions only: a cookie is
// ambient authority, which a page of another site could make a browser send along with a
// publish) and `access_token` query parameters, for clients that can set neither. A request
// may present several (a shared browser stream carries each tab's): each must verify, the
// rights are their union, and they are good until the first expires.
#pragma once

#include "app/form_decoding.hpp"
#include "app/request.hpp"
#include "app/settings.hpp"
#include "auth/topic_pattern.hpp"
#include "metrics/metrics.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ssehub::app {

// At most this many tokens on one request; more is refused (each costs a signature check).
inline constexpr size_t max_tokens_per_request = 8;

struct AccessRefused {
    metrics::TokenRefusal reason;
    std::string text; // one line for the client and the log; never a token's bytes
};

struct Access {
    size_t tokens = 0; // how many verified; 0: the request presented none
    auth::TopicRights subscribe;
    auth::TopicRights publish;
    bool admin = false;                   // one of them has ssehub.admin: it may read the dashboard
    std::optional<int64_t> expires_at_ms; // wall clock, exp + leeway of the first to expire
    std::vector<std::string> signing_keys; // the verifying keys' fingerprints, each once
    // The cookie's token did not verify: it is then left out rather than refusing the request
    // (a browser sends a stale cookie by itself); a private topic's refusal says why.
    std::optional<AccessRefused> cookie_refused;
};

enum class TokenPlaces : uint8_t { HeaderAndQuery, HeaderQueryAndCookie };

// Reads and verifies every token of `req` (none when no --jwt-key is set). A header Bearer
// that is one of the plain --token-file tokens is not a signed token and is left alone.
std::variant<Access, AccessRefused> read_access(const Request& req, const Params& params,
                                                const Settings& settings, TokenPlaces places,
                                                int64_t now_wall_ms);

// The value of the cookie `name` in the request's Cookie headers (the first one sent), or
// nullopt.
std::optional<std::string_view> find_cookie(const Request& req, std::string_view name);

// Whether `rights` name every topic at once ("*"): what a publish without a topic, or a legacy
// broadcast, needs, since it reaches subscribers of every topic.
bool allows_every_topic(const auth::TopicRights& rights);

// Constant-time comparison of a presented secret with one of ours.
bool same_secret(std::string_view a, std::string_view b);

} // namespace ssehub::app
