#include "app/dashboard.hpp"

#include "app/access_rules.hpp"
#include "base/log.hpp"
#include "web/assets.hpp"

#include <nlohmann/json.hpp>

namespace ssehub::app {

namespace {

constexpr std::string_view page_path = "/ssehub/dashboard";
constexpr std::string_view data_path = "/ssehub/dashboard/data";
constexpr size_t busiest_topics = 10;

// The page and its data are the operator's: never framed, never cached, and the address (which
// may hold ?access_token=) never sent on as a Referer.
constexpr std::string_view private_headers = "Cache-Control: no-store\r\n"
                                             "X-Frame-Options: DENY\r\n"
                                             "Referrer-Policy: no-referrer\r\n"
                                             "X-Content-Type-Options: nosniff\r\n";

// Every answer on the dashboard's paths, refusals included, without CORS headers: a page of
// another site learns not even why it was refused. A refusal is answered as the transports'
// reject() answers one that keeps the connection (counted, logged, one line of text).
class PrivateResponder final : public Responder {
  public:
    PrivateResponder(Responder& inner, Application& app) : inner_(inner), app_(app) {}
    void respond(int status, std::string_view content_type, std::string_view body,
                 std::string_view extra_headers, Cors) override {
        inner_.respond(status, content_type, body, extra_headers, Cors::Omit);
    }
    void reject(int status, metrics::Rejected kind, std::string_view reason,
                std::string_view extra_headers, bool) override {
        app_.metrics().reject(kind);
        log::info("rejected request: " + std::to_string(status) + " " + std::string(reason));
        inner_.respond(status, "text/plain; charset=utf-8", std::string(reason) + "\n",
                       extra_headers, Cors::Omit);
    }
    void publish(sse::EventSink& sink, const sse::PublishRequest& request) override {
        inner_.publish(sink, request);
    }
    void start_stream(sse::Subscription subscription) override {
        inner_.start_stream(std::move(subscription));
    }
    bool is_unix() const override { return inner_.is_unix(); }
    bool peer_address(sockaddr_storage& out) const override { return inner_.peer_address(out); }

  private:
    Responder& inner_;
    Application& app_;
};

// A signed token decides by its admin claim; without one, what lets a peer publish without a
// token lets it watch: --publish-allow (Unix socket peers included) or a plain --token-file
// token, and never for a page of another site (no origin is admitted, --cors-origin neither:
// the answers carry no CORS headers, so such a page could not read them anyway).
bool allow_admin(Responder& c, const Request& req, Application& app, const Params& params) {
    auto access = access_of(c, req, app, params, TokenPlaces::HeaderAndQuery);
    if (!access) return false;
    if (access->tokens > 0) {
        if (access->admin) return true;
        refuse_scope(c, app, "this token may not read the dashboard (no ssehub.admin claim)");
        return false;
    }
    return allow_site(c, req, app.settings(), nullptr) && authorize_publish(c, req, app.settings());
}

uint64_t sum(const auto& counts) {
    uint64_t total = 0;
    for (uint64_t n : counts)
        total += n;
    return total;
}

// Totals and gauges, as at /metrics: the page turns totals into rates between two readings
// (time_ms is the hub's clock), so a reading changes nothing and two dashboards agree.
nlohmann::json dashboard_data(Application& app) {
    const metrics::Metrics& m = app.metrics();
    uint64_t now = app.now_ms();
    using metrics::Rejected;
    using metrics::Transport;
    auto transport = [&](Transport t) {
        return m.subscribers_by_transport[static_cast<size_t>(t)];
    };
    nlohmann::json topics = nlohmann::json::array();
    app.hub().watch_topics(now);
    for (const sse::TopicFigures& row : app.hub().busiest_topics(busiest_topics, now))
        topics.push_back({{"topic", row.topic},
                          {"subscribers", row.subscribers},
                          {"events_per_s", row.events_per_s},
                          {"exact", row.exact}});
    nlohmann::json redis = nullptr;
    if (m.redis.enabled)
        redis = {{"up", m.redis.up},
                 {"read_lag_ms", m.redis.read_lag_ms},
                 {"reconnects", m.redis.reconnects},
                 {"upstream_gaps", m.redis.upstream_gaps}};
    return {
        {"version", SSEHUB_VERSION},
        {"time_ms", now},
        {"uptime_s", (now - m.start_ms) / 1000},
        {"config_file", app.settings().config_file},
        {"listeners", app.listeners()},
        {"subscribers",
         {{"total", m.subscribers},
          {"http1", transport(Transport::Http1)},
          {"tls", transport(Transport::Tls)},
          {"h2", transport(Transport::H2)},
          {"shared", m.shared_streams},
          {"all_topics", app.hub().unfiltered_subscribers()}}},
        {"totals",
         {{"events_published", m.events_published},
          {"deliveries", m.deliveries},
          {"bytes_written", m.bytes_written},
          {"slow_subscribers_dropped", m.slow_subscribers_dropped},
          {"replays", m.replays},
          {"gaps", m.gaps},
          {"token_refusals", sum(m.token_refusals)},
          {"unauthorized", m.rejected[static_cast<size_t>(Rejected::Unauthorized)]},
          {"forbidden", m.rejected[static_cast<size_t>(Rejected::Forbidden)]},
          {"cross_site", m.rejected[static_cast<size_t>(Rejected::CrossSite)]}}},
        {"redis", redis},
        {"topics",
         {{"subscribed", app.hub().topics_subscribed()},
          {"approximate", app.hub().topic_counts_approximate()},
          {"counted", app.hub().topics_counted()},
          {"counted_max", sse::TopicTally::capacity},
          {"busiest", topics}}},
    };
}

} // namespace

bool is_dashboard_path(const Settings& settings, std::string_view path) {
    return settings.dashboard &&
           (path == page_path || (path.starts_with(page_path) && path[page_path.size()] == '/'));
}

void handle_dashboard(Responder& transport, const Request& req, Application& app,
                      const Params& params) {
    PrivateResponder without_cors(transport, app);
    Responder& c = without_cors;
    std::string_view path = req.path();
    bool page = path == page_path || path == std::string(page_path) + "/";
    if (!page && path != data_path) {
        c.reject(404, metrics::Rejected::NotFound, "not found");
        return;
    }
    if (req.method != "GET" && req.method != "HEAD") {
        c.reject(405, metrics::Rejected::MethodNotAllowed, "method not allowed",
                 "Allow: GET, HEAD\r\n");
        return;
    }
    if (!allow_admin(c, req, app, params)) return;
    if (page)
        c.respond(200, "text/html; charset=utf-8", web::dashboard_html(),
                  std::string(private_headers) +
                      "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
                      "style-src 'unsafe-inline'; img-src data:; connect-src 'self'; "
                      "frame-ancestors 'none'\r\n",
                  Cors::Omit);
    else
        c.respond(200, "application/json", dashboard_data(app).dump() + "\n", private_headers,
                  Cors::Omit);
}

} // namespace ssehub::app
