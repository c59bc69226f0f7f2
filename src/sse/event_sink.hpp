// Where a validated publish goes: the one interface the router publishes through. A LocalSink
// assigns the id and hands the event to the hub at once; a Redis sink answers only once Redis
// has stored the event, so an answer may come later, after the caller has returned. The caller
// then holds a PendingPublish and cancels it if it goes away first: the answer is dropped and
// never touches freed memory.
#pragma once

#include "metrics/metrics.hpp"
#include "sse/event_id.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ssehub::sse {

// The event, already validated. The views are only read during EventSink::publish().
struct PublishRequest {
    std::string_view type;
    std::string_view data;
    std::string_view topic; // empty: none
    bool broadcast;         // the legacy signal: reaches every subscriber
    uint64_t now_ms;        // loop time
};

struct PublishOutcome {
    bool accepted = false;
    bool broadcast = false; // echoes the request, so the answer has the legacy form
    EventId id;             // accepted: the event's id
    size_t subscribers = 0; // accepted: subscribers on this node it is queued (or matched) for
    // --history-fsync always: whether the event is durable in the history log (an event that
    // could not be stored was still delivered live). Unset: the sink promises nothing more.
    std::optional<bool> stored;
    // Refused (the hub cannot take events now): what to count, a one-line reason and in how
    // many seconds the sink expects to take events again.
    metrics::Rejected kind = metrics::Rejected::Unavailable;
    std::string reason;
    unsigned retry_in_s = 0;
};

class PublishWaiter {
  public:
    // Called once per publish: inside EventSink::publish() or later from the loop.
    virtual void on_published(const PublishOutcome& outcome) = 0;

  protected:
    ~PublishWaiter() = default;
};

// A publish whose answer is still to come. The sink owns it and frees it once the answer is
// in; the waiter keeps the pointer only to call cancel() if it is gone first.
class PendingPublish {
  public:
    void cancel() { waiter_ = nullptr; }

  protected:
    explicit PendingPublish(PublishWaiter* waiter) : waiter_(waiter) {}
    ~PendingPublish() = default;
    PublishWaiter* waiter_; // not owned; null once cancelled
};

class EventSink {
  public:
    virtual ~EventSink() = default;
    // Answers through waiter.on_published(): at once (and returns null) or later (and returns
    // the pending publish, which the waiter must cancel if it goes away first).
    virtual PendingPublish* publish(const PublishRequest& request, PublishWaiter& waiter) = 0;
    // Why the hub cannot take events now (for /healthz), or nothing when it can.
    virtual std::optional<std::string> unavailable() const = 0;
    // What works only in part while events are still taken (for /healthz), or nothing.
    virtual std::optional<std::string> degraded() const { return std::nullopt; }
};

} // namespace ssehub::sse
