// The newest events, kept for subscribers that resume with Last-Event-ID. Bounded by count and
// by bytes, whichever bites first. It holds references to the very frames live fan-out sends.
#pragma once

#include "net/frame.hpp"
#include "sse/event_id.hpp"

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace ssehub::sse {

struct RetainedEvent {
    EventId id;
    std::string topic; // empty: no topic
    bool broadcast;    // legacy signal: matches every subscriber
    net::FrameRef frame;
};

class ReplayRing {
  public:
    ReplayRing(size_t max_events, size_t max_bytes)
        : max_events_(max_events), max_bytes_(max_bytes) {}

    // Ids must grow: push() is only called with an id greater than every earlier one.
    void push(RetainedEvent event);
    void set_limits(size_t max_events, size_t max_bytes);

    // Index of the first retained event whose id is greater than `after` (size() if none). O(log
    // n).
    size_t first_after(const EventId& after) const;
    bool contains(const EventId& id) const;
    const RetainedEvent& at(size_t index) const { return events_[index]; }

    size_t size() const { return events_.size(); }
    bool empty() const { return events_.empty(); }
    size_t bytes() const { return bytes_; }
    std::optional<EventId> oldest() const;
    // The newest id that has left the ring: a subscriber that has seen it has missed nothing
    // that was evicted.
    std::optional<EventId> last_evicted() const { return last_evicted_; }

  private:
    void evict();

    std::deque<RetainedEvent> events_;
    size_t bytes_ = 0;
    size_t max_events_;
    size_t max_bytes_;
    std::optional<EventId> last_evicted_;
};

} // namespace ssehub::sse
