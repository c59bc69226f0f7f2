// Cross-site request forgery: a browser lets any page send a form POST or an <img> GET to the
// hub, and the hub would take the peer address (loopback) as permission. Browsers say where a
// request comes from (Sec-Fetch-Site, Origin); this decides from those headers whether a
// publish or a legacy signal came from a page that may trigger one.
#pragma once

#include "app/origin_list.hpp"
#include "app/request.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ssehub::app {

// Null when the request may publish: no browser headers (curl, scripts, other servers), a
// browser that says same-origin, same-site or none (typed into the address bar), or an Origin
// whose host is the Host header's host (any port, any scheme) or that `admitted` names or
// matches (OriginList::names: never by "*"; null: no other origin). Otherwise the one-line
// reason for the 403.
std::optional<std::string> cross_site_refusal(const Request& req, const OriginList* admitted);

} // namespace ssehub::app
