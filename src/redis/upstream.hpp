// Layer redis/: the Redis Streams backbone, one event sink (sse::EventSink) among others.
// Includes sse/ and what is below it; the server wires it in.
//
// Everything --redis adds to a node, wired to its hub: the link (two connections, state,
// backoff), the reader (XREAD -> Hub::publish), the publisher (the EventSink: XADD) and the
// history (XRANGE pages for old resumes). The server owns one; without --redis there is none
// and the hub runs alone.
#pragma once

#include "metrics/metrics.hpp"
#include "redis/link.hpp"
#include "redis/options.hpp"
#include "redis/redis_url.hpp"
#include "redis/stream_history.hpp"
#include "redis/stream_publisher.hpp"
#include "redis/stream_reader.hpp"
#include "sse/hub.hpp"

#include <string>
#include <uv.h>

namespace ssehub::redis {

class Upstream {
  public:
    // The hub must outlive this.
    Upstream(uv_loop_t* loop, const RedisUrl& url, const StreamOptions& options,
             std::string password, sse::Hub& hub, metrics::Metrics& metrics);
    ~Upstream();
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

    void start() { link_.start(); }
    // Shutdown, once no connection waits for an answer any more.
    void stop() { link_.stop(); }
    // SIGHUP: limits and the password (used from the next connection on). The URL and the
    // stream take effect only after a restart.
    void apply(const StreamOptions& options, std::string password);

    sse::EventSink& sink() { return publisher_; }

  private:
    sse::Hub& hub_; // not owned
    StreamOptions options_;
    Link link_;
    StreamReader reader_;
    StreamPublisher publisher_;
    StreamHistory history_;
};

} // namespace ssehub::redis
