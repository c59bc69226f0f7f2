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

    std::vector<std::string> topics_; // empty: every event
    // Private topics it may read (from its tokens); null: none.
    std::shared_ptr<const ReadRights> read_rights_;
    // Its place in the hub's expiry list while expires_ (its token has an exp).
    std::multimap<uint64_t, Subscriber*>::iterator expiry_pos_{};
    bool expires_ = false;
    // Where this subscriber stands in the hub's lists, for O(1) removal.
    uint32_t main_index_ = 0;
    std::vector<uint32_t> topic_index_; // parallel to topics_
    // Heartbeat list, ordered by last write.
    Subscriber* hb_prev_ = nullptr;
    Subscriber* hb_next_ = nullptr;
    uint64_t last_write_ms_ = 0;
    // Replay: while replaying_, live events are left to the replay, which reads the ring
    // from cursor_ as the socket drains; while paging_, it reads the upstream store (History)
    // instead, until the ring holds what follows. parked_: the replay has read past what this
    // hub has received so far, and goes on when the hub's newest event reaches cursor_.
    EventId cursor_{};
    HistoryRequest* history_request_ = nullptr; // a page in flight; owned by the store
    bool replaying_ = false;
    bool paging_ = false;
    bool parked_ = false;
    bool registered_ = false;
    // Which gauges count it (Subscription::transport and shared), undone by remove().
    metrics::Transport transport_ = metrics::Transport::Http1;
    bool shared_ = false;
    bool marked_for_drop_ = false;
};

} // namespace ssehub::sse
