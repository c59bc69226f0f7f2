// What the hub sees of a subscriber: a narrow writer (send a shared frame, report how much is
// queued, be dropped) plus the bookkeeping the hub keeps on it. The hub never owns a
// Subscriber: the connection that implements it does, and calls Hub::remove() before it dies.
#pragma once

#include "auth/topic_pattern.hpp"
#include "metrics/metrics.hpp"
#include "net/frame.hpp"
#include "sse/event_id.hpp"
#include "sse/subscription.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ssehub::sse {

struct HistoryRequest;

// Shutdown and Expired end the stream gracefully (what is queued is sent first); the others
// close it at once.
enum class DropReason : uint8_t { SlowSubscriber, WriteError, Shutdown, Expired };

class Subscriber;

// The bookkeeping only some subscribers need: a topic filter, read rights, a token expiry, a
// replay. An idle subscriber to every event has none of it, so it lives apart, allocated when
// first needed (Subscriber::detail()) and kept until the subscriber dies: RSS per idle
// subscriber is the figure this keeps down.
struct SubscriberDetail {
    std::vector<std::string> topics;   // empty: every event
    std::vector<uint32_t> topic_index; // its place in each topic's list, parallel to topics
    // Private topics it may read (from its tokens); null: none.
    std::shared_ptr<const ReadRights> read_rights;
    // Its place in the hub's expiry list while Subscriber::expires_ (its token has an exp).
    std::multimap<uint64_t, Subscriber*>::iterator expiry_pos{};
    EventId cursor{};                          // the replay's position
    HistoryRequest* history_request = nullptr; // a page in flight; owned by the store
};

class Subscriber {
  public:
    // Sends what the socket takes now and queues the rest by reference. Returns false when
    // the connection is broken; the hub then drops it after the fan-out pass. Must never call
    // back into the hub.
    virtual bool send(const net::FrameRef& frame) = 0;
    virtual size_t queued_bytes() const = 0;
    // Closes the connection; called by the hub only after a fan-out pass.
    virtual void drop(DropReason reason) = 0;

  protected:
    Subscriber() = default;
    ~Subscriber() = default;
    Subscriber(const Subscriber&) = delete;
    Subscriber& operator=(const Subscriber&) = delete;

  private:
    friend class Hub;
    friend class HeartbeatList;

    SubscriberDetail& detail() {
        if (!detail_) detail_ = std::make_unique<SubscriberDetail>();
        return *detail_;
    }
    const std::vector<std::string>& topics() const {
        static const std::vector<std::string> none;
        return detail_ ? detail_->topics : none;
    }
    EventId& cursor() { return detail().cursor; }
    HistoryRequest* history_request() const { return detail_ ? detail_->history_request : nullptr; }

    const ReadRights* read_rights() const { return detail_ ? detail_->read_rights.get() : nullptr; }

    std::unique_ptr<SubscriberDetail> detail_;
    // Heartbeat list, ordered by last write.
    Subscriber* hb_prev_ = nullptr;
    Subscriber* hb_next_ = nullptr;
    uint64_t last_write_ms_ = 0;
    // Where this subscriber stands in the hub's lists, for O(1) removal.
    uint32_t main_index_ = 0;
    // Which gauges count it (Subscription::transport and shared), undone by remove().
    metrics::Transport transport_ = metrics::Transport::Http1;
    // Replay: while replaying_, live events are left to the replay, which reads the ring
    // from the cursor as the socket drains; while paging_, it reads the upstream store (History)
    // instead, until the ring holds what follows. parked_: the replay has read past what this
    // hub has received so far, and goes on when the hub's newest event reaches the cursor.
    bool replaying_ : 1 = false;
    bool paging_ : 1 = false;
    bool parked_ : 1 = false;
    bool registered_ : 1 = false;
    bool shared_ : 1 = false;
    bool marked_for_drop_ : 1 = false;
    bool expires_ : 1 = false; // on the hub's expiry list (detail_->expiry_pos)
};

} // namespace ssehub::sse
