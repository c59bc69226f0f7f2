#include "sse/replay_ring.hpp"

#include <algorithm>

namespace ssehub::sse {

void ReplayRing::push(RetainedEvent event) {
    bytes_ += event.frame->size();
    events_.push_back(std::move(event));
    evict();
}

void ReplayRing::set_limits(size_t max_events, size_t max_bytes) {
    max_events_ = max_events;
    max_bytes_ = max_bytes;
    evict();
}

void ReplayRing::evict() {
    while (!events_.empty() && (events_.size() > max_events_ || bytes_ > max_bytes_)) {
        bytes_ -= events_.front().frame->size();
        last_evicted_ = events_.front().id;
        events_.pop_front();
    }
}

size_t ReplayRing::first_after(const EventId& after) const {
    auto it = std::upper_bound(events_.begin(), events_.end(), after,
                               [](const EventId& id, const RetainedEvent& e) { return id < e.id; });
    return static_cast<size_t>(it - events_.begin());
}

bool ReplayRing::contains(const EventId& id) const {
    size_t i = first_after(id);
    return i > 0 && events_[i - 1].id == id;
}

std::optional<EventId> ReplayRing::oldest() const {
    if (events_.empty()) return std::nullopt;
    return events_.front().id;
}

} // namespace ssehub::sse
