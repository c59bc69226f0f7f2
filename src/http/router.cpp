#include "http/router.hpp"

#include "http/client_script.hpp"
#include "http/form_decoding.hpp"
#include "http/index_page.hpp"
#include "http/publish_body.hpp"
#include "http/responder.hpp"
#include "log.hpp"
#include "sse/event_validation.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

namespace ssehub::http {

namespace {

using metrics::Rejected;

uint64_t wall_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

bool wants_event_stream(const Request& req) {
    const std::string* accept = req.header("accept");
    return accept && accept->find("text/event-stream") != std::string::npos;
}

// Compares without an early exit, so the time taken does not tell how much of a token matched.
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

// Answers the refusal itself and returns false when this peer may not publish.
bool authorize_publish(Responder& c, const Request& req, Context& ctx) {
    const PublishPolicy& policy = ctx.publish;
    const std::string* auth = req.header("authorization");
    if (!policy.tokens.empty() && auth) {
        std::string_view presented = *auth;
        bool bearer = presented.size() > 7 && presented.substr(0, 7) == "Bearer ";
        presented.remove_prefix(bearer ? 7 : presented.size());
        bool match = false;
        for (const std::string& token : policy.tokens)
            match |= same_secret(presented, token);
        if (bearer && match) return true;
        c.reject(403, Rejected::Forbidden, "invalid bearer token");
        return false;
    }
    if (c.is_unix()) return true;
    sockaddr_storage peer{};
    if (c.peer_address(peer))
        for (const config::Cidr& range : policy.allow)
            if (range.contains(reinterpret_cast<sockaddr*>(&peer))) return true;
    if (!policy.tokens.empty()) {
        c.reject(401, Rejected::Unauthorized, "a bearer token is required to publish",
                 "WWW-Authenticate: Bearer\r\n");
        return false;
    }
    c.reject(403, Rejected::Forbidden, "this address may not publish");
    return false;
}

// Validates, assigns an id and hands the event to the hub. Returns false after refusing.
bool publish(Responder& c, Context& ctx, const PublishFields& f, bool broadcast,
             std::string& id_out, size_t& subscribers_out) {
    if (ctx.shutting_down) {
        c.reject(503, Rejected::ShuttingDown, "the hub is shutting down", "Retry-After: 5\r\n");
        return false;
    }
    if (auto bad = sse::validate_event(f.event, f.topic, f.data, ctx.config.max_event_bytes)) {
        c.reject(bad->status, bad->status == 413 ? Rejected::BodyTooLarge : Rejected::BadRequest,
                 bad->reason);
        return false;
    }
    auto id = ctx.ids->next(wall_ms());
    if (!id) {
        log::error("cannot write " + ctx.ids->state_file() + ": " + std::strerror(errno) +
                   "; refusing to publish until it can be written");
        c.reject(503, Rejected::StateUnwritable,
                 "cannot record the event id in the state directory; see the hub's log",
                 "Retry-After: 5\r\n");
        return false;
    }
    subscribers_out = ctx.hub->publish(*id, f.event, f.data, f.topic, broadcast, uv_now(ctx.loop));
    id_out = id->to_string();
    return true;
}

void handle_publish(Responder& c, const Request& req, Context& ctx) {
    if (!authorize_publish(c, req, ctx)) return;
    const std::string* type = req.header("content-type");
    auto decoded = decode_publish_body(type ? *type : std::string_view(), req.body);
    if (auto* err = std::get_if<BodyError>(&decoded)) {
        c.reject(err->status,
                 err->status == 415 ? Rejected::UnsupportedMediaType : Rejected::BadRequest,
                 err->reason);
        return;
    }
    std::string id;
    size_t subscribers = 0;
    if (!publish(c, ctx, std::get<PublishFields>(decoded), false, id, subscribers)) return;
    nlohmann::json answer = {{"id", id}, {"subscribers", subscribers}};
    c.respond(202, "application/json", answer.dump() + "\n");
}

// IntraMine's protocol: GET /?signal=NAME[&data=D | &activeserver=H&port=P] reaches everyone.
void handle_signal(Responder& c, const Request& req, Context& ctx, const Params& params) {
    if (!authorize_publish(c, req, ctx)) return;
    PublishFields f;
    f.event = *find_param(params, "signal");
    const std::string* server = find_param(params, "activeserver");
    const std::string* port = find_param(params, "port");
    if (const std::string* data = find_param(params, "data"))
        f.data = *data;
    else if (server && port)
        f.data = *server + " " + *port;
    std::string id;
    size_t subscribers = 0;
    if (!publish(c, ctx, f, true, id, subscribers)) return;
    c.respond(200, "text/plain; charset=utf-8", "OK\n");
}

void handle_subscribe(Responder& c, const Request& req, Context& ctx, const Params& params) {
    if (ctx.shutting_down) {
        c.reject(503, Rejected::TooManySubscribers, "the hub is shutting down",
                 "Retry-After: 5\r\n");
        return;
    }
    if (ctx.hub->size() >= ctx.config.max_subscribers) {
        c.reject(503, Rejected::TooManySubscribers,
                 "too many subscribers (max-subscribers " +
                     std::to_string(ctx.config.max_subscribers) + ")",
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
    const std::string* resume = req.header("last-event-id");
    if (!resume) resume = find_param(params, "last_event_id");
    c.start_stream(std::move(topics), resume);
}

void method_not_allowed(Responder& c, std::string_view allow) {
    c.reject(405, Rejected::MethodNotAllowed, "method not allowed",
             "Allow: " + std::string(allow) + "\r\n");
}

} // namespace

void route(Responder& c, const Request& req, Context& ctx) {
    std::string_view path = req.path();
    const std::string& method = req.method;
    auto params = parse_params(req.query());
    if (!params) {
        c.reject(400, Rejected::BadRequest, "query string has a bad % escape");
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
    if (method == "GET" && (wants_event_stream(req) || path == "/events")) {
        handle_subscribe(c, req, ctx, *params);
        return;
    }
    if (path == "/publish") {
        if (method == "POST")
            handle_publish(c, req, ctx);
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
            handle_signal(c, req, ctx, *params);
        else
            method_not_allowed(c, "GET, OPTIONS");
        return;
    }
    if (path == "/" || path == "/healthz" || path == "/metrics") {
        if (!is_get) {
            method_not_allowed(c, "GET, HEAD, OPTIONS");
        } else if (path == "/") {
            c.respond(200, "text/html; charset=utf-8", index_page_html());
        } else if (path == "/healthz") {
            c.respond(200, "text/plain; charset=utf-8", "ok\n");
        } else {
            c.respond(200, "text/plain; version=0.0.4; charset=utf-8",
                      ctx.metrics->render(uv_now(ctx.loop)));
        }
        return;
    }
    if (path == "/ssehub.js") {
        if (!is_get)
            method_not_allowed(c, "GET, HEAD, OPTIONS");
        else
            c.respond(200, "text/javascript; charset=utf-8", client_script_js(),
                      "Cache-Control: no-cache\r\n");
        return;
    }
    c.reject(404, Rejected::NotFound, "not found");
}

} // namespace ssehub::http
