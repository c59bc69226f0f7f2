#include "sse/local_sink.hpp"

#include "log.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

namespace ssehub::sse {

namespace {

uint64_t wall_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

} // namespace

PendingPublish* LocalSink::publish(const PublishRequest& r, PublishWaiter& waiter) {
    PublishOutcome outcome;
    outcome.broadcast = r.broadcast;
    auto id = ids_.next(wall_ms());
    if (!id) {
        log::error("cannot write " + ids_.state_file() + ": " + std::strerror(errno) +
                   "; refusing to publish until it can be written");
        outcome.status = 503;
        outcome.kind = metrics::Rejected::StateUnwritable;
        outcome.reason = "cannot record the event id in the state directory; see the hub's log";
        outcome.retry_after_s = 5;
        waiter.on_published(outcome);
        return nullptr;
    }
    outcome.accepted = true;
    outcome.id = *id;
    outcome.subscribers = hub_.publish(Event{*id, r.type, r.data, r.topic, r.broadcast}, r.now_ms);
    waiter.on_published(outcome);
    return nullptr;
}

std::optional<std::string> LocalSink::unavailable() const {
    return ids_.unwritable(wall_ms());
}

} // namespace ssehub::sse
