#include "redis/stream_reader.hpp"

#include "base/clock.hpp"
#include "base/log.hpp"

#include <algorithm>
#include <hiredis/hiredis.h>
#include <string>

namespace ssehub::redis {

namespace {

bool is_error(const redisReply* r) {
    return r->type == REDIS_REPLY_ERROR;
}

} // namespace

void StreamReader::on_link_up() {
    Connection& c = link_.reader();
    if (!last_) {
        // The newest entries: where to read on from, and history for the ring.
        std::string count = std::to_string(options_.prefill);
        c.command(newest_reply_, {"XREVRANGE", options_.stream, "+", "-", "COUNT", count});
        return;
    }
    if (*last_ != sse::EventId{}) {
        std::string id = last_->to_string();
        c.command(check_reply_, {"XRANGE", options_.stream, id, id});
    }
    read_next(); // pipelined behind the check, answered after it
}

void StreamReader::read_next() {
    std::string count = std::to_string(options_.read_batch);
    std::string block = std::to_string(options_.block_ms);
    std::string after = last_->to_string();
    link_.reader().command(
        batch_reply_, {"XREAD", "COUNT", count, "BLOCK", block, "STREAMS", options_.stream, after});
}

// Returns false when the reply is not a stream entry at all.
bool StreamReader::take(const redisReply* entry, bool live, uint64_t now_ms) {
    sse::Event e;
    std::string why;
    Decoded d = decode_entry(entry, options_.max_event_bytes, e, why);
    if (d == Decoded::Malformed) {
        link_.fail("unexpected reply to XREAD: " + why);
        return false;
    }
    if (last_ && e.id <= *last_) return true; // never deliver an id twice or out of order
    last_ = e.id;
    if (d == Decoded::NotOurs) {
        ++metrics_.skipped_entries;
        skip_log_.skipped(e.id, why, base::wall_ms());
        return true;
    }
    if (live)
        hub_.publish(e, now_ms);
    else
        hub_.retain(e);
    return true;
}

void StreamReader::on_newest(redisReply* reply) {
    if (!reply) return; // the link is down; on_link_up() starts over
    if (is_error(reply) || reply->type != REDIS_REPLY_ARRAY) {
        link_.fail("XREVRANGE " + options_.stream + " failed: " +
                   (is_error(reply) ? std::string(reply->str, reply->len) : "unexpected reply"));
        return;
    }
    // Newest first: keep them oldest first, as they were published.
    uint64_t now = uv_now(loop_);
    last_ = sse::EventId{};
    for (size_t i = reply->elements; i-- > 0;)
        if (!take(reply->element[i], false, now)) return;
    // Where this node begins: GET /ssehub/last-id answers from here on (Hub::position()).
    hub_.set_start(*last_);
    log::info("redis: reading stream " + options_.stream + " after " + last_->to_string() + " (" +
              std::to_string(hub_.ring().size()) + " recent events loaded for replay)");
    hub_.release_parked(now);
    read_next();
}

void StreamReader::on_check(redisReply* reply) {
    if (!reply) return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements > 0) return; // still there
    ++metrics_.upstream_gaps;
    std::string last = last_->to_string();
    log::warn("redis: stream " + options_.stream + " no longer holds " + last +
              ", the last event this node read; events may have been lost while it was away "
              "(Redis restarted without persistence, or the stream was trimmed); subscribers "
              "get ssehub.gap");
    hub_.send_gap_to_all("upstream_lost", last, uv_now(loop_));
}

void StreamReader::on_batch(redisReply* reply) {
    if (!reply) return;                   // the link is down; on_link_up() reads on from last_
    if (reply->type == REDIS_REPLY_NIL) { // BLOCK timed out: nothing new
        read_next();
        return;
    }
    if (is_error(reply) || reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements != 2 ||
        reply->element[0]->element[1]->type != REDIS_REPLY_ARRAY) {
        link_.fail("XREAD " + options_.stream + " failed: " +
                   (is_error(reply) ? std::string(reply->str, reply->len) : "unexpected reply"));
        return;
    }
    const redisReply* entries = reply->element[0]->element[1];
    uint64_t now = uv_now(loop_);
    for (size_t i = 0; i < entries->elements; ++i)
        if (!take(entries->element[i], true, now)) return;
    metrics_.entries_read += entries->elements;
    uint64_t wall = base::wall_ms();
    metrics_.read_lag_ms = wall > last_->ms ? wall - last_->ms : 0;
    // Behind (a large batch) or late (the batch waited long to be read): trimming may be
    // overtaking this node. Asked before the next XREAD, pipelined: does the stream still hold
    // where that read starts? If not, what followed it may be gone.
    size_t large = std::min(options_.read_batch, std::max<size_t>(options_.maxlen / 2, 1));
    if (entries->elements >= large || metrics_.read_lag_ms >= 250) {
        std::string id = last_->to_string();
        if (link_.reader().command(trim_check_reply_, {"XRANGE", options_.stream, id, id}))
            trim_checks_.push_back(*last_);
    }
    read_next();
}

void StreamReader::on_trim_check(redisReply* reply) {
    sse::EventId checked = trim_checks_.front();
    trim_checks_.pop_front();
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements > 0) return;
    // Read up to `checked`, and the stream no longer holds it: trimmed past this node.
    ++metrics_.upstream_gaps;
    std::string id = checked.to_string();
    uint64_t now = uv_now(loop_);
    if (trim_logged_ms_ == 0 || now - trim_logged_ms_ >= 10000) {
        trim_logged_ms_ = now;
        log::warn("redis: this node fell behind stream " + options_.stream +
                  " by more than its length (MAXLEN ~ history-events): entries may have been "
                  "trimmed before it read them; subscribers get ssehub.gap");
    }
    hub_.send_gap_to_all("upstream_lost", id, now);
}

} // namespace ssehub::redis
