// The live dashboard (--dashboard on): GET /ssehub/dashboard, a page (web/dashboard.html), and
// GET /ssehub/dashboard/data, the JSON it polls each second, read from the same counters as
// /metrics plus the hub's busiest topics. Admins only: a peer the publish allow-list admits, a
// plain --token-file token, or a signed token with {"ssehub": {"admin": true}}; never a page of
// another site (no CORS headers, cross-site requests refused).
#pragma once

#include "app/application.hpp"
#include "app/form_decoding.hpp"

#include <string_view>

namespace ssehub::app {

// Whether `path` is the dashboard's, when it is on; otherwise it is 404 like any unknown path.
bool is_dashboard_path(const Settings& settings, std::string_view path);
// Answers a request for a dashboard path (is_dashboard_path).
void handle_dashboard(Responder& transport, const Request& req, Application& app,
                      const Params& params);

} // namespace ssehub::app
