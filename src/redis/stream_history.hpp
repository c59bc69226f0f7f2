// Replays older than the ring, read from the stream with XRANGE on the link's command
// connection, one page per request (StreamOptions::page_events, sized so a page of the largest
// events fits in half a subscriber's output bound). The first page of a replay is two commands
// sent together: the stream's oldest id (to tell "too old" from "unknown") and the page from
// the resume id on. While the link is down requests wait, and are sent when it is up again;
// a request whose subscriber left (cancelled) is dropped when its answer comes.
#pragma once

#include "metrics/metrics.hpp"
#include "redis/connection.hpp"
#include "redis/link.hpp"
#include "redis/options.hpp"
#include "sse/history.hpp"
#include "sse/hub.hpp"

#include <optional>
#include <uv.h>
#include <vector>

namespace ssehub::redis {

class StreamHistory final : public sse::History, public Link::Listener {
  public:
    StreamHistory(uv_loop_t* loop, Link& link, sse::Hub& hub, metrics::RedisMetrics& metrics,
                  const StreamOptions& options)
        : loop_(loop), link_(link), hub_(hub), metrics_(metrics), options_(options) {}
    ~StreamHistory() override;

    sse::HistoryRequest* fetch(sse::Subscriber* s, const sse::EventId& from, bool first) override;
    void on_link_up() override;

  private:
    struct Page final : sse::HistoryRequest, ReplyHandler {
        Page(StreamHistory& h, sse::Subscriber* s, const sse::EventId& from, bool first)
            : HistoryRequest{s, from, first}, history(h) {}
        void on_reply(redisReply* reply) override;
        StreamHistory& history;
        int replies_due = 0;
        bool failed = false;
        std::optional<sse::EventId> store_first;
    };

    void send(Page* p);
    void deliver(Page& p, const redisReply* entries);

    uv_loop_t* loop_;
    Link& link_;                     // not owned
    sse::Hub& hub_;                  // not owned
    metrics::RedisMetrics& metrics_; // not owned
    const StreamOptions& options_;   // not owned: the upstream's
    std::vector<Page*> waiting_;     // owned: requests to send once the link is up
};

} // namespace ssehub::redis
