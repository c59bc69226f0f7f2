// Who may do what, shared by the routes (router.cpp, dashboard.cpp): signed tokens and their
// refusals (RFC 6750), the publish allow-list and plain tokens, and cross-site requests. Each
// function that can refuse answers the refusal itself and says so by its result.
#pragma once

#include "app/application.hpp"
#include "app/form_decoding.hpp"
#include "app/responder.hpp"
#include "app/token_access.hpp"

#include <optional>
#include <string_view>

namespace ssehub::app {

// 401 with error="invalid_token" and the verifier's reason.
void refuse_token(Responder& c, Application& app, const AccessRefused& refused);
// 401 with the bare Bearer challenge: a token is needed and none came.
void refuse_missing_token(Responder& c, Application& app, std::string_view reason);
// 403 with error="insufficient_scope": a valid token that may not do this.
void refuse_scope(Responder& c, Application& app, std::string_view reason);
// The signed tokens of a request, or null after answering 401 for one that does not verify.
std::optional<Access> access_of(Responder& c, const Request& req, Application& app,
                                const Params& params, TokenPlaces places);
// Without a signed token: a peer of --publish-allow, a Unix socket peer, or a plain
// --token-file bearer token; else 401 (tokens in use) or 403.
bool authorize_publish(Responder& c, const Request& req, const Settings& settings);
// 403 for a browser's request sent for a page of another site (CSRF); a request with an
// Authorization header passes (a page must know the token to send it). `admitted`: the other
// origins whose pages are admitted (those it names or matches, never by "*"; null: none).
bool allow_site(Responder& c, const Request& req, const Settings& settings,
                const OriginList* admitted);

} // namespace ssehub::app
