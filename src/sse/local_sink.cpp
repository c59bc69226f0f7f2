#include "sse/local_sink.hpp"

#include "base/clock.hpp"
#include "base/log.hpp"

#include <cerrno>
#include <cstring>

namespace ssehub::sse {

PendingPublish* LocalSink::publish(const PublishRequest& r, PublishWaiter& waiter) {
    PublishOutcome outcome;
    outcome.broadcast = r.broadcast;
    auto id = ids_.next(base::wall_ms());
    if (!id) {
        log::error("cannot write " + ids_.state_file() + ": " + std::strerror(errno) +
                   "; refusing to publish until it can be written");
        outcome.kind = metrics::Rejected::StateUnwritable;
        outcome.reason = "cannot record the event id in the state directory; see the hub's log";
        outcome.retry_in_s = 5;
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
    return ids_.unwritable(base::wall_ms());
}

} // namespace ssehub::sse
