// GET /ssehub-bridge.html?origin=O: the page /ssehub.js embeds, hidden, in a page of another
// origin, so that pages of every port of a host share one stream (a SharedWorker of the hub's
// origin). The hub tells the bridge which origin it serves and whether that origin may use it;
// the browser lets only O frame it (CSP frame-ancestors), and the bridge talks to O alone.
#pragma once

#include "app/application.hpp"
#include "app/form_decoding.hpp"

#include <string>
#include <string_view>

namespace ssehub::app {

// Whether `text` is a serialized origin as browsers send it: http or https, "://", a host
// (name, IPv4 or [IPv6]) and an optional port, nothing else (no path, no userinfo).
bool is_serialized_origin(std::string_view text);

// bridge.html with its data attributes filled in for `origin`: allowed (the hub's --cors-origin
// list admits it), credentials (cookies may go along: a named origin, never "*").
std::string render_bridge_page(std::string_view origin, bool allowed, bool credentials);

void handle_bridge_page(Responder& transport, const Request& req, Application& app,
                        const Params& params);

} // namespace ssehub::app
