// What the Redis side is told of the serve configuration, with the batch and page sizes derived
// from the memory bounds: a batch or a page never holds much more than its bound even when
// every event is as large as max-event-bytes allows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace ssehub::redis {

struct StreamOptions {
    std::string stream;       // the stream key every node shares
    size_t maxlen = 4096;     // XADD MAXLEN ~ (history-events)
    size_t read_batch = 128;  // XREAD COUNT; ~8 MiB of data at most
    uint64_t block_ms = 5000; // XREAD BLOCK; the watchdog allows this plus a margin
    size_t prefill = 128;     // newest entries read into the ring at start-up
    size_t page_events = 8;   // XRANGE COUNT of a replay page; ~half the output bound
    size_t max_event_bytes = 65536;

    // From --redis-stream, --history-events, --max-event-bytes and --max-queued-bytes.
    static StreamOptions derive(std::string stream, size_t history_events, size_t max_event_bytes,
                                size_t max_queued_bytes) {
        StreamOptions o;
        o.stream = std::move(stream);
        o.maxlen = std::max<size_t>(history_events, 1);
        size_t event = std::max<size_t>(max_event_bytes, 1) + 1024; // data + type, topic, id
        o.read_batch = std::clamp<size_t>((8u << 20) / event, 16, 1024);
        o.prefill = std::min(o.read_batch, o.maxlen);
        o.page_events = std::clamp<size_t>(max_queued_bytes / 2 / event, 1, 1024);
        o.max_event_bytes = max_event_bytes;
        return o;
    }
};

} // namespace ssehub::redis
