// What the router needs of whoever carries a request: an HTTP/1.1 connection or one HTTP/2
// stream. It answers, refuses, publishes (the answer may come later, from Redis), or turns into
// a subscriber; the router never sees the transport.
#pragma once

#include "metrics/metrics.hpp"
#include "sse/event_sink.hpp"
#include "sse/subscription.hpp"

#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>

namespace ssehub::app {

// Whether an answer carries the --cors-origin headers: all do but the dashboard's, which no
// page of another site may read, whatever --cors-origin says.
enum class Cors : bool { Allow, Omit };

class Responder {
  public:
    // A whole response (CORS headers added unless Omit). `extra_headers`: complete
    // "Name: value\r\n" lines.
    virtual void respond(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers = {}, Cors cors = Cors::Allow) = 0;
    // Refuses the request: counts it, logs it and answers `status` with a one-line reason.
    // `close`: the input that follows is not trusted (HTTP/1.1 closes after the answer).
    virtual void reject(int status, metrics::Rejected kind, std::string_view reason,
                        std::string_view extra_headers = {}, bool close = false) = 0;
    // Hands a validated event to the sink and answers with answer_publish() when the sink has
    // decided: at once, or later (then it waits, and cancels the wait if it goes away first).
    virtual void publish(sse::EventSink& sink, const sse::PublishRequest& request) = 0;
    // Becomes a subscriber: topics validated, rights decided (see sse::Subscription).
    virtual void start_stream(sse::Subscription subscription) = 0;
    virtual bool is_unix() const = 0;
    // The peer's address (TCP only), written into `out`; false if unknown.
    virtual bool peer_address(sockaddr_storage& out) const = 0;

  protected:
    ~Responder() = default;
};

} // namespace ssehub::app
