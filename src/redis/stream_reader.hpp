// Fan-out from the stream. On the link's reader connection: XREAD BLOCK from the last id this
// node has seen, a batch at a time, every entry into Hub::publish() -- the same encoder, ring
// and write path as a lone hub's events, so every node delivers the same events in the same
// order with the same ids. The first time the link is up it reads the newest entries into the
// ring (Hub::retain) and so learns where the stream ends; after a reconnection it checks that
// the stream still holds the last id read (if not, entries were lost: ssehub.gap to every
// subscriber) and reads on from it. A reader that falls behind by more than the stream's length
// (MAXLEN) loses entries to trimming before it reads them: after a large or a late batch it
// asks whether the stream still holds where its next read starts, and if not, subscribers get
// ssehub.gap.
#pragma once

#include "metrics/metrics.hpp"
#include "redis/connection.hpp"
#include "redis/link.hpp"
#include "redis/options.hpp"
#include "redis/stream_entry.hpp"
#include "sse/hub.hpp"

#include <deque>
#include <optional>
#include <uv.h>

namespace ssehub::redis {

class StreamReader final : public Link::Listener {
  public:
    StreamReader(uv_loop_t* loop, Link& link, sse::Hub& hub, metrics::RedisMetrics& metrics,
                 const StreamOptions& options)
        : loop_(loop), link_(link), hub_(hub), metrics_(metrics), options_(options) {}

    void on_link_up() override;

  private:
    // One handler per kind of reply; each calls back into the reader.
    struct Reply final : ReplyHandler {
        using Method = void (StreamReader::*)(redisReply*);
        Reply(StreamReader* r, Method m) : reader(r), method(m) {}
        void on_reply(redisReply* reply) override { (reader->*method)(reply); }
        StreamReader* reader;
        Method method;
    };

    void on_newest(redisReply* reply);
    void on_check(redisReply* reply);
    void on_batch(redisReply* reply);
    void on_trim_check(redisReply* reply);
    void read_next();
    bool take(const redisReply* entry, bool live, uint64_t now_ms);

    uv_loop_t* loop_;
    Link& link_;                     // not owned
    sse::Hub& hub_;                  // not owned
    metrics::RedisMetrics& metrics_; // not owned
    const StreamOptions& options_;   // not owned: the upstream's
    Reply newest_reply_{this, &StreamReader::on_newest};
    Reply check_reply_{this, &StreamReader::on_check};
    Reply batch_reply_{this, &StreamReader::on_batch};
    Reply trim_check_reply_{this, &StreamReader::on_trim_check};
    std::deque<sse::EventId> trim_checks_; // ids asked about, in the order of the replies
    uint64_t trim_logged_ms_ = 0;
    std::optional<sse::EventId> last_; // the newest id read; none before the first sync
    SkipLog skip_log_;
};

} // namespace ssehub::redis
