// The limits and policies that the router and every transport apply, in the units they use.
// Built from the daemon's configuration by the server (config/ is a layer above and stays
// unknown here) and replaced whole on SIGHUP; readers hold a reference, so a reload reaches
// every connection at its next request. Two copies are made on purpose, as before: an HTTP/1.1
// request reader's limits (at accept) and an HTTP/2 session's SETTINGS (sent at its start).
#pragma once

#include "app/origin_list.hpp"
#include "auth/key_set.hpp"
#include "auth/topic_pattern.hpp"
#include "base/cidr.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ssehub::app {

struct Settings {
    size_t max_subscribers = 10000;
    size_t max_header_bytes = 8u << 10;
    size_t max_event_bytes = 64u << 10; // a request body, and an event's data
    size_t max_queued_bytes = 1u << 20; // unsent output per subscriber (and per HTTP/2 session)
    unsigned request_timeout_s = 10;
    std::vector<base::Cidr> publish_allow;   // peers that may publish without a token
    std::vector<std::string> publish_tokens; // empty: tokens are not in use
    // Signed tokens (token_access.hpp). Null keys: --jwt-key not given; tokens are then not
    // read, and a private topic can be read by nobody.
    std::shared_ptr<const auth::KeySet> jwt_keys;
    int64_t jwt_leeway_s = 10;
    std::string jwt_cookie = "ssehub_token";
    auth::TopicRights private_topics; // the same patterns the hub is given
    // --cors-origin: the page origins that may read answers (CORS headers per request, see
    // cors_headers()), with credentials when named, and publish from a browser (cross_site).
    OriginList cors_origins = OriginList::everyone();
    bool dashboard = false;  // --dashboard on: /ssehub/dashboard is served (dashboard.cpp)
    std::string config_file; // shown on the dashboard; empty: none

    // Appends the CORS lines for an answer to a request whose Origin header is `origin` (null:
    // none): OriginList::append_headers.
    void cors_headers(const std::string* origin, std::string& out) const {
        cors_origins.append_headers(origin, out);
    }

    uint64_t request_timeout_ms() const { return uint64_t{request_timeout_s} * 1000; }
};

} // namespace ssehub::app
