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
    Event event{*id, r.type, r.data, r.topic, r.broadcast};
    outcome.subscribers = hub_.publish(event, r.now_ms);
    if (!log_) {
        waiter.on_published(outcome);
        return nullptr;
    }
    // Delivered live now; stored by the batch written at the end of this loop turn.
    uint64_t record = log_->append(event);
    if (log_->policy() != FsyncPolicy::Always) {
        waiter.on_published(outcome);
        return nullptr;
    }
    // Answered once the record is durable (or its write failed): the loop goes on meanwhile.
    auto pending = std::make_unique<DurablePublish>(waiter, outcome);
    DurablePublish* p = pending.get();
    log_->when_durable(record, std::move(pending));
    return p;
}

std::optional<std::string> LocalSink::degraded() const {
    return log_ ? log_->failing() : std::nullopt;
}

std::optional<std::string> LocalSink::unavailable() const {
    return ids_.unwritable(base::wall_ms());
}

} // namespace ssehub::sse
