// The sink of a node with --redis: one XADD per publish (MAXLEN ~ history-events, so the
// stream stays about as long as a ring), on the link's command connection. Publishes that
// arrive together go out together: hiredis writes every queued command in one go. The outcome
// (accepted, with the id Redis gave) is given only once Redis has stored the event; the event
// itself reaches this node's subscribers through the StreamReader, as on every other node.
// While the link is not up, publishes are refused with a retry hint (the application answers
// 503 and Retry-After): an event that cannot be delivered in order is never accepted.
#pragma once

#include "metrics/metrics.hpp"
#include "redis/connection.hpp"
#include "redis/link.hpp"
#include "redis/options.hpp"
#include "sse/event_sink.hpp"
#include "sse/hub.hpp"

#include <string>
#include <uv.h>

namespace ssehub::redis {

class StreamPublisher final : public sse::EventSink {
  public:
    StreamPublisher(Link& link, sse::Hub& hub, metrics::RedisMetrics& metrics,
                    const StreamOptions& options)
        : link_(link), hub_(hub), metrics_(metrics), options_(options) {}

    sse::PendingPublish* publish(const sse::PublishRequest& request,
                                 sse::PublishWaiter& waiter) override;
    std::optional<std::string> unavailable() const override;

  private:
    // One XADD awaiting Redis's reply; frees itself once it has answered.
    struct Xadd final : sse::PendingPublish, ReplyHandler {
        Xadd(StreamPublisher& p, sse::PublishWaiter& w, const sse::PublishRequest& r)
            : PendingPublish(&w), publisher(p), topic(r.topic), broadcast(r.broadcast),
              sent_ns(uv_hrtime()) {}
        void on_reply(redisReply* reply) override;
        StreamPublisher& publisher;
        std::string topic;
        bool broadcast;
        uint64_t sent_ns;
    };

    sse::PublishOutcome refusal(bool broadcast, std::string reason) const;

    Link& link_;                     // not owned
    sse::Hub& hub_;                  // not owned
    metrics::RedisMetrics& metrics_; // not owned
    const StreamOptions& options_;   // not owned: the upstream's
};

} // namespace ssehub::redis
