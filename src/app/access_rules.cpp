#include "app/access_rules.hpp"

#include "app/cross_site.hpp"
#include "base/clock.hpp"

#include <algorithm>
#include <strings.h>

namespace ssehub::app {

using metrics::Rejected;
using metrics::TokenRefusal;

// RFC 6750 3: a bad token is 401 with error="invalid_token"; a missing one, 401 with the bare
// challenge; a good one that may not do this, 403 with error="insufficient_scope". The
// description is our own one-line text, without the characters a quoted-string must escape.
void refuse_token(Responder& c, Application& app, const AccessRefused& refused) {
    app.metrics().refuse_token(refused.reason);
    std::string description = refused.text;
    std::replace_if(
        description.begin(), description.end(),
        [](char ch) { return ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20; },
        '\'');
    c.reject(401, Rejected::Unauthorized, refused.text,
             "WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"" +
                 description + "\"\r\n");
}

void refuse_missing_token(Responder& c, Application& app, std::string_view reason) {
    app.metrics().refuse_token(TokenRefusal::Missing);
    c.reject(401, Rejected::Unauthorized, reason, "WWW-Authenticate: Bearer\r\n");
}

void refuse_scope(Responder& c, Application& app, std::string_view reason) {
    app.metrics().refuse_token(TokenRefusal::NotAllowed);
    c.reject(403, Rejected::Forbidden, reason,
             "WWW-Authenticate: Bearer error=\"insufficient_scope\"\r\n");
}

// The signed tokens of a request, or null after answering 401 for one that does not verify.
std::optional<Access> access_of(Responder& c, const Request& req, Application& app,
                                const Params& params, TokenPlaces places) {
    auto read =
        read_access(req, params, app.settings(), places, static_cast<int64_t>(base::wall_ms()));
    if (auto* refused = std::get_if<AccessRefused>(&read)) {
        refuse_token(c, app, *refused);
        return std::nullopt;
    }
    Access access = std::get<Access>(std::move(read));
    app.metrics().tokens_verified += access.tokens;
    return access;
}

// Answers the refusal itself and returns false when this peer may not publish.
bool authorize_publish(Responder& c, const Request& req, const Settings& settings) {
    const std::string* auth = req.header("authorization");
    if (!settings.publish_tokens.empty() && auth) {
        // RFC 9110 11.4: the scheme is case-insensitive, then one or more SP (the reader has
        // trimmed the value's ends).
        std::string_view presented = *auth;
        bool bearer = presented.size() > 7 && presented[6] == ' ' &&
                      strncasecmp(presented.data(), "bearer", 6) == 0;
        presented.remove_prefix(bearer ? 7 : presented.size());
        while (!presented.empty() && presented.front() == ' ')
            presented.remove_prefix(1);
        bool match = false;
        for (const std::string& token : settings.publish_tokens)
            match |= same_secret(presented, token);
        if (bearer && match) return true;
        c.reject(403, Rejected::Forbidden, "invalid bearer token");
        return false;
    }
    if (c.is_unix()) return true;
    sockaddr_storage peer{};
    if (c.peer_address(peer))
        for (const base::Cidr& range : settings.publish_allow)
            if (range.contains(reinterpret_cast<sockaddr*>(&peer))) return true;
    if (!settings.publish_tokens.empty()) {
        c.reject(401, Rejected::Unauthorized, "a bearer token is required to publish",
                 "WWW-Authenticate: Bearer\r\n");
        return false;
    }
    c.reject(403, Rejected::Forbidden, "this address may not publish");
    return false;
}

// Answers 403 and returns false when a browser sent this publish or signal for a page of another
// site (CSRF). A bearer token is no ambient authority (a page must know it to send it), so a
// request that presents one is left to authorize_publish.
bool allow_site(Responder& c, const Request& req, const Settings& settings,
                const OriginList* admitted) {
    if (!settings.publish_tokens.empty() && req.header("authorization")) return true;
    auto refusal = cross_site_refusal(req, admitted);
    if (!refusal) return true;
    c.reject(403, Rejected::CrossSite, *refusal);
    return false;
}

} // namespace ssehub::app
