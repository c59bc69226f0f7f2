#include "app/token_access.hpp"

#include "auth/token.hpp"

#include <algorithm>
#include <strings.h>

namespace ssehub::app {

namespace {

using metrics::TokenRefusal;

[[maybe_unused]] TokenRefusal refusal_kind(auth::Refusal r) { // unused without OpenSSL
    switch (r) {
    case auth::Refusal::Malformed:
        return TokenRefusal::Malformed;
    case auth::Refusal::BadSignature:
        return TokenRefusal::BadSignature;
    case auth::Refusal::UnknownKey:
        return TokenRefusal::UnknownKey;
    case auth::Refusal::Expired:
        return TokenRefusal::Expired;
    case auth::Refusal::NotYetValid:
        return TokenRefusal::NotYetValid;
    case auth::Refusal::AlgorithmNotAllowed:
        return TokenRefusal::AlgorithmNotAllowed;
    }
    return TokenRefusal::Malformed;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// The credentials of "Bearer <token>" (RFC 9110 11.4: the scheme is case-insensitive, then one
// or more SP); nullopt for another scheme.
std::optional<std::string_view> bearer_of(std::string_view value) {
    if (value.size() <= 7 || value[6] != ' ' || strncasecmp(value.data(), "bearer", 6) != 0)
        return std::nullopt;
    return trim(value.substr(7));
}

} // namespace

bool same_secret(std::string_view a, std::string_view b) {
    size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() != b.size();
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

bool allows_every_topic(const auth::TopicRights& rights) {
    return std::find(rights.patterns.begin(), rights.patterns.end(), "*") != rights.patterns.end();
}

// RFC 6265 5.4: "name=value" pairs separated by "; ". HTTP/2 may split them over several
// cookie fields (RFC 9113 8.2.3); each is read in order.
std::optional<std::string_view> find_cookie(const Request& req, std::string_view name) {
    for (const auto& [field, value] : req.headers) {
        if (field != "cookie") continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            size_t semi = rest.find(';');
            std::string_view pair = trim(rest.substr(0, semi));
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            size_t eq = pair.find('=');
            if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
            std::string_view v = trim(pair.substr(eq + 1));
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            return v;
        }
    }
    return std::nullopt;
}

std::variant<Access, AccessRefused> read_access(const Request& req, const Params& params,
                                                const Settings& settings, TokenPlaces places,
                                                int64_t now_wall_ms) {
    Access access;
    if (!settings.jwt_keys) return access;
    std::vector<std::string_view> presented;
    if (const std::string* auth = req.header("authorization")) {
        auto token = bearer_of(*auth);
        bool plain =
            token && std::any_of(settings.publish_tokens.begin(), settings.publish_tokens.end(),
                                 [&](const std::string& t) { return same_secret(*token, t); });
        if (token && !plain) presented.push_back(*token);
    }
    std::optional<std::string_view> cookie;
    if (places == TokenPlaces::HeaderQueryAndCookie) {
        cookie = find_cookie(req, settings.jwt_cookie);
        if (cookie) presented.push_back(*cookie);
    }
    for (const auto& [k, v] : params)
        if (k == "access_token") presented.push_back(v);
    if (presented.size() > max_tokens_per_request)
        return AccessRefused{TokenRefusal::Malformed, "more than " +
                                                          std::to_string(max_tokens_per_request) +
                                                          " tokens on one request"};

#ifdef SSEHUB_HAVE_TLS
    int64_t now_s = now_wall_ms / 1000;
    for (std::string_view token : presented) {
        auto verified = auth::verify(token, *settings.jwt_keys, now_s, settings.jwt_leeway_s);
        if (auto* refused = std::get_if<auth::Refused>(&verified)) {
            AccessRefused why{refusal_kind(refused->reason), refused->text};
            // The cookie comes with every request whether the page meant it or not: an expired
            // one must not cost a page its public events. Kept for a private topic's answer.
            if (cookie && token.data() == cookie->data()) {
                access.cookie_refused = std::move(why);
                continue;
            }
            return why;
        }
        auto& claims = std::get<auth::Claims>(verified);
        ++access.tokens;
        auto& keys = access.signing_keys;
        if (std::find(keys.begin(), keys.end(), claims.key_fingerprint) == keys.end())
            keys.push_back(std::move(claims.key_fingerprint));
        access.admin |= claims.admin;
        for (std::string& p : claims.subscribe.patterns)
            access.subscribe.patterns.push_back(std::move(p));
        for (std::string& p : claims.publish.patterns)
            access.publish.patterns.push_back(std::move(p));
        // An exp past any real date (2^40 s is some 34 800 years) is as good as none, and
        // must not overflow in milliseconds.
        if (claims.expires_at_s && *claims.expires_at_s < (int64_t{1} << 40)) {
            int64_t end_ms = (*claims.expires_at_s + settings.jwt_leeway_s) * 1000;
            if (!access.expires_at_ms || end_ms < *access.expires_at_ms)
                access.expires_at_ms = end_ms;
        }
    }
#else
    (void)now_wall_ms; // without OpenSSL there are never keys: returned above
#endif
    return access;
}

} // namespace ssehub::app
