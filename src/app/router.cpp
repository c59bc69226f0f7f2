// What a complete request is (subscription, publish, legacy signal, page, metrics...) and its
// answer, the same for an HTTP/1.1 connection and an HTTP/2 stream: the router never sees the
// transport.
#include "app/application.hpp"

#include "app/access_rules.hpp"
#include "app/bridge_page.hpp"
#include "app/dashboard.hpp"
#include "app/form_decoding.hpp"
#include "app/publish_body.hpp"
#include "app/responder.hpp"
#include "app/token_access.hpp"
#include "base/clock.hpp"
#include "sse/event_validation.hpp"
#include "web/assets.hpp"

#include <nlohmann/json.hpp>

namespace ssehub::app {

namespace {

using metrics::Rejected;

bool wants_event_stream(const Request& req) {
    const std::string* accept = req.header("accept");
    return accept && accept->find("text/event-stream") != std::string::npos;
}

// With a signed token, the token alone decides (its publish claim, from any address); without
// one, the allow-list and the plain tokens, as before tokens were signed.
bool allow_publisher(Responder& c, const Request& req, Application& app, const Access& access) {
    if (access.tokens > 0) return true;
    return allow_site(c, req, app.settings(), &app.settings().cors_origins) &&
           authorize_publish(c, req, app.settings());
}

// A publish claim must name the topic; an event without one (and a broadcast) reaches the
// subscribers of every topic, so it needs "*".
bool allow_claim(Responder& c, Application& app, const Access& access, std::string_view topic) {
    if (access.tokens == 0) return true;
    if (topic.empty() ? allows_every_topic(access.publish) : access.publish.allows(topic))
        return true;
    refuse_scope(c, app,
                 topic.empty() ? "this token may publish only to the topics it names ('*' for "
                                 "an event without a topic or a signal)"
                               : "this token may not publish to topic " + std::string(topic));
    return false;
}

// Validates, checks a signed token's publish claim, and hands the event to the sink; the answer
// comes through answer_publish(), at once for a lone hub, once Redis has stored the event
// otherwise.
void publish(Responder& c, Application& app, const PublishFields& f, bool broadcast,
             const Access& access) {
    if (app.shutting_down()) {
        c.reject(503, Rejected::ShuttingDown, "the hub is shutting down", "Retry-After: 5\r\n");
        return;
    }
    if (auto bad = sse::validate_event(f.event, f.topic, f.data, app.settings().max_event_bytes)) {
        bool too_large = bad->fault == sse::Rejection::Fault::TooLarge;
        c.reject(too_large ? 413 : 400, too_large ? Rejected::BodyTooLarge : Rejected::BadRequest,
                 bad->reason);
        return;
    }
    std::string_view topic = f.topic ? std::string_view(*f.topic) : std::string_view();
    // After validation: the refusal names the topic, which must be one line of sane text.
    if (!allow_claim(c, app, access, topic)) return;
    c.publish(app.sink(), sse::PublishRequest{f.event, f.data, topic, broadcast, app.now_ms()});
}

void handle_publish(Responder& c, const Request& req, Application& app, const Params& params) {
    auto access = access_of(c, req, app, params, TokenPlaces::HeaderAndQuery);
    if (!access || !allow_publisher(c, req, app, *access)) return;
    const std::string* type = req.header("content-type");
    auto decoded = decode_publish_body(type ? *type : std::string_view(), req.body);
    if (auto* err = std::get_if<BodyError>(&decoded)) {
        c.reject(err->status,
                 err->status == 415 ? Rejected::UnsupportedMediaType : Rejected::BadRequest,
                 err->reason);
        return;
    }
    publish(c, app, std::get<PublishFields>(decoded), false, *access);
}

// IntraMine's protocol: GET /?signal=NAME[&data=D | &activeserver=H&port=P] reaches everyone.
void handle_signal(Responder& c, const Request& req, Application& app, const Params& params) {
    auto access = access_of(c, req, app, params, TokenPlaces::HeaderAndQuery);
    if (!access || !allow_publisher(c, req, app, *access)) return;
    PublishFields f;
    f.event = *find_param(params, "signal");
    const std::string* server = find_param(params, "activeserver");
    const std::string* port = find_param(params, "port");
    if (const std::string* data = find_param(params, "data"))
        f.data = *data;
    else if (server && port)
        f.data = *server + " " + *port;
    publish(c, app, f, true, *access);
}

void handle_subscribe(Responder& c, const Request& req, Application& app, const Params& params) {
    if (app.shutting_down()) {
        c.reject(503, Rejected::TooManySubscribers, "the hub is shutting down",
                 "Retry-After: 5\r\n");
        return;
    }
    if (app.hub().size() >= app.settings().max_subscribers) {
        c.reject(503, Rejected::TooManySubscribers,
                 "too many subscribers (max-subscribers " +
                     std::to_string(app.settings().max_subscribers) + ")",
                 "Retry-After: 5\r\n");
        return;
    }
    std::vector<std::string> topics;
    for (const auto& [k, v] : params) {
        if (k != "topic") continue;
        if (auto bad = sse::check_name("topic", v)) {
            c.reject(400, Rejected::BadRequest, *bad);
            return;
        }
        topics.push_back(v);
    }
    auto access = access_of(c, req, app, params, TokenPlaces::HeaderQueryAndCookie);
    if (!access) return;
    for (const std::string& topic : topics) {
        if (!app.settings().private_topics.allows(topic)) continue;
        if (access->tokens == 0) {
            if (access->cookie_refused)
                refuse_token(c, app, *access->cookie_refused); // what is wrong with the cookie
            else
                refuse_missing_token(c, app, "topic " + topic + " is private: a token is required");
            return;
        }
        if (!access->subscribe.allows(topic)) {
            refuse_scope(c, app, "this token may not subscribe to topic " + topic);
            return;
        }
    }
    sse::Subscription subscription{std::move(topics), std::nullopt, nullptr, std::nullopt};
    const std::string* resume = req.header("last-event-id");
    if (!resume) resume = find_param(params, "last_event_id");
    if (resume) subscription.resume = *resume;
    // /ssehub.js marks its streams, for the dashboard's count of shared streams.
    const std::string* client = find_param(params, "client");
    subscription.shared = client && *client == "ssehub.js";
    if (access->tokens > 0 && !access->subscribe.empty())
        subscription.read_rights = std::make_shared<const sse::ReadRights>(
            sse::ReadRights{std::move(access->subscribe), std::move(access->signing_keys)});
    if (access->expires_at_ms) {
        // The hub keeps loop time; the token's end is wall-clock time.
        int64_t left_ms = *access->expires_at_ms - static_cast<int64_t>(base::wall_ms());
        subscription.expires_at_ms =
            app.now_ms() + static_cast<uint64_t>(std::max<int64_t>(left_ms, 0));
    }
    c.start_stream(std::move(subscription));
}

// GET /ssehub/last-id: the id a page rendered now subscribes from (Last-Event-ID, or
// ssehub.subscribe's `since`) to get every event published after this answer, exactly once,
// and none before (sse::Hub::position()).
void answer_last_id(Responder& c, Application& app) {
    std::optional<sse::EventId> position = app.hub().position();
    if (!position) {
        c.respond(503, "text/plain; charset=utf-8",
                  "the hub has not read its Redis stream yet: no position to give\n",
                  "Retry-After: 1\r\nCache-Control: no-store\r\n");
        return;
    }
    nlohmann::json answer = {{"id", position->to_string()}};
    c.respond(200, "application/json", answer.dump() + "\n", "Cache-Control: no-store\r\n");
}

void method_not_allowed(Responder& c, std::string_view allow) {
    c.reject(405, Rejected::MethodNotAllowed, "method not allowed",
             "Allow: " + std::string(allow) + "\r\n");
}

} // namespace

void Application::answer_publish(Responder& c, const sse::PublishOutcome& o) {
    if (!o.accepted) {
        c.reject(503, o.kind, o.reason,
                 "Retry-After: " + std::to_string(std::max(o.retry_in_s, 1u)) + "\r\n");
    } else if (o.broadcast) {
        // The legacy answer stays 200 OK; its body says when the event was not stored.
        c.respond(200, "text/plain; charset=utf-8",
                  o.stored == false ? "OK (delivered, not stored)\n" : "OK\n");
    } else {
        nlohmann::json answer = {{"id", o.id.to_string()}, {"subscribers", o.subscribers}};
        // --history-fsync always: whether the event is durable; false means it was delivered
        // live but its write to the history log failed (see /healthz).
        if (o.stored) answer["stored"] = *o.stored;
        c.respond(202, "application/json", answer.dump() + "\n");
    }
}

void Application::route(Responder& c, const Request& req) {
    Application& app = *this;
    std::string_view path = req.path();
    const std::string& method = req.method;
    auto params = parse_params(req.query());
    if (!params) {
        c.reject(400, Rejected::BadRequest, "query string has a bad % escape");
        return;
    }

    // The dashboard's answers carry no CORS headers, its preflight neither: no page of another
    // site may read them.
    if (is_dashboard_path(settings(), path)) {
        if (method == "OPTIONS")
            c.respond(204, "", "", "Allow: GET, HEAD, OPTIONS\r\n", Cors::Omit);
        else
            handle_dashboard(c, req, app, *params);
        return;
    }
    if (method == "OPTIONS") {
        c.respond(204, "", "",
                  "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
                  "Access-Control-Allow-Headers: Last-Event-ID, Content-Type, Authorization, "
                  "Cache-Control\r\n"
                  "Access-Control-Max-Age: 86400\r\n");
        return;
    }
    bool is_get = method == "GET" || method == "HEAD";
    if (path == "/ssehub/last-id") {
        if (!is_get)
            method_not_allowed(c, "GET, HEAD, OPTIONS");
        else
            answer_last_id(c, app);
        return;
    }
    if (method == "GET" && (wants_event_stream(req) || path == "/events")) {
        handle_subscribe(c, req, app, *params);
        return;
    }
    if (path == "/publish") {
        if (method == "POST")
            handle_publish(c, req, app, *params);
        else
            method_not_allowed(c, "POST, OPTIONS");
        return;
    }
    if (path == "/events") {
        method_not_allowed(c, "GET, OPTIONS");
        return;
    }
    if (path == "/" && find_param(*params, "signal")) {
        if (method == "GET")
            handle_signal(c, req, app, *params);
        else
            method_not_allowed(c, "GET, OPTIONS");
        return;
    }
    if (path == "/" || path == "/healthz" || path == "/metrics") {
        if (!is_get) {
            method_not_allowed(c, "GET, HEAD, OPTIONS");
        } else if (path == "/") {
            c.respond(200, "text/html; charset=utf-8", web::index_html());
        } else if (path == "/healthz") {
            if (auto why = app.sink().unavailable())
                c.respond(503, "text/plain; charset=utf-8", *why + "\n", "Retry-After: 1\r\n");
            else if (auto degraded = app.sink().degraded())
                c.respond(200, "text/plain; charset=utf-8", "ok\n" + *degraded + "\n");
            else
                c.respond(200, "text/plain; charset=utf-8", "ok\n");
        } else {
            c.respond(200, "text/plain; version=0.0.4; charset=utf-8",
                      app.metrics().render(app.now_ms()));
        }
        return;
    }
    if (path == "/ssehub-bridge.html") {
        handle_bridge_page(c, req, app, *params);
        return;
    }
    if (path == "/ssehub.js") {
        if (!is_get)
            method_not_allowed(c, "GET, HEAD, OPTIONS");
        else
            c.respond(200, "text/javascript; charset=utf-8", web::ssehub_js(),
                      "Cache-Control: no-cache\r\n");
        return;
    }
    c.reject(404, Rejected::NotFound, "not found");
}

} // namespace ssehub::app
