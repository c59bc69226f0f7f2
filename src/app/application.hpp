// Layer app/: what every transport shares: the router, publish, responses, cross-site and
// auth decisions, and the mapping of outcomes to HTTP statuses. Includes web/, sse/ and below;
// the transports above it (http1/, h2/) carry requests to it and decide no application answer
// themselves: they refuse only what they cannot parse or bound (400, 413, 414, 431, 501, 505,
// and 503 when out of descriptors).
//
// The application every transport carries requests to: it decides what a request is and
// answers it through a Responder (router.cpp), with the hub, the event sink, the counters and
// the settings it was given at construction. A transport holds a reference to it and to
// nothing else of the server: what a transport needs of the hub (add, remove, on_drained), the
// counters and the settings, it reaches through here. Owned by the Server; outlives every
// connection.
#pragma once

#include "app/request.hpp"
#include "app/responder.hpp"
#include "app/settings.hpp"
#include "metrics/metrics.hpp"
#include "sse/event_sink.hpp"
#include "sse/hub.hpp"

#include <uv.h>

namespace ssehub::app {

class Application {
  public:
    // `settings` is the server's, replaced in place on SIGHUP (not owned; nor are the others).
    Application(uv_loop_t* loop, const Settings& settings, sse::Hub& hub, sse::EventSink& sink,
                metrics::Metrics& metrics)
        : loop_(loop), settings_(settings), hub_(hub), sink_(sink), metrics_(metrics) {}
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;

    // Answers `req` through `c`: at once, or later for a publish (see Responder::publish).
    void route(Responder& c, const Request& req);
    // The answer to a publish once the sink has decided (202 with the id, 200 for the legacy
    // signal, or the refusal with its status); the responder still holds the request.
    static void answer_publish(Responder& c, const sse::PublishOutcome& outcome);

    // Shutdown: new subscriptions and publishes are refused, keep-alive ends.
    void begin_shutdown() { shutting_down_ = true; }
    bool shutting_down() const { return shutting_down_; }

    uv_loop_t* loop() const { return loop_; }
    uint64_t now_ms() const { return uv_now(loop_); }
    const Settings& settings() const { return settings_; }
    sse::Hub& hub() { return hub_; }
    sse::EventSink& sink() { return sink_; }
    metrics::Metrics& metrics() { return metrics_; }
    // Where the hub listens ("127.0.0.1:8080", "tls:[::1]:8443", "unix:/run/ssehub.sock"), as
    // the server opened them; shown on the dashboard.
    void set_listeners(std::vector<std::string> listeners) { listeners_ = std::move(listeners); }
    const std::vector<std::string>& listeners() const { return listeners_; }

  private:
    uv_loop_t* loop_;
    const Settings& settings_;
    sse::Hub& hub_;
    sse::EventSink& sink_;
    metrics::Metrics& metrics_;
    std::vector<std::string> listeners_;
    bool shutting_down_ = false;
};

} // namespace ssehub::app
