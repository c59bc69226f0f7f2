// The hub: every connected subscriber, by topic, and the one place events enter. publish()
// encodes an event once, retains it in the replay ring and hands a reference to every matching
// subscriber. Cost per delivery does not depend on the number of topics or other subscribers.
#pragma once

#include "metrics/metrics.hpp"
#include "sse/event_id.hpp"
#include "sse/heartbeat_list.hpp"
#include "sse/replay_ring.hpp"
#include "sse/subscriber.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ssehub::sse {

struct HubLimits {
    size_t history_events = 4096;
    size_t history_bytes = 16u << 20;
    size_t max_queued_bytes = 1u << 20;
    unsigned retry_ms = 3000;
    uint64_t heartbeat_ms = 15000;
};

class Hub {
  public:
    Hub(const HubLimits& limits, metrics::Metrics& metrics);
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    void set_limits(const HubLimits& limits);

    // The one way an event enters the hub: a local publish or a future upstream reader. `id`
    // must be greater than every id before it. An empty topic means none; broadcast (the legacy
    // signal) reaches every subscriber whatever its topics. Returns the subscribers it was
    // queued for.
    size_t publish(const EventId& id, std::string_view type, std::string_view data,
                   std::string_view topic, bool broadcast, uint64_t now_ms);

    // Starts a stream: the opening frame, the replay after `resume` (the raw Last-Event-ID)
    // when given, then live events. Topics must already be validated; empty means all.
    void add(Subscriber* s, std::vector<std::string> topics, const std::string* resume,
             uint64_t now_ms);
    // Forgets a subscriber. Safe to call for one that was never added. Never during publish().
    void remove(Subscriber* s);
    // A subscriber's output queue drained: an unfinished replay goes on.
    void on_drained(Subscriber* s, uint64_t now_ms);
    // Sends a comment to every subscriber written to longer than `heartbeat` ago.
    void send_heartbeats(uint64_t now_ms);
    // Drops every subscriber (shutdown after the grace period).
    void drop_all(DropReason reason);

    size_t size() const { return all_.size() + filtered_.size(); }
    std::optional<EventId> newest() const { return newest_; }
    const ReplayRing& ring() const { return ring_; }

  private:
    struct TransparentHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using SubscriberList = std::vector<Subscriber*>;

    bool deliver(Subscriber* s, const FrameRef& frame, uint64_t now_ms);
    void deliver_to(SubscriberList& list, const FrameRef& frame, uint64_t now_ms, size_t& count);
    void continue_replay(Subscriber* s, uint64_t now_ms);
    void send_gap(Subscriber* s, std::string_view reason, std::string_view requested,
                  uint64_t now_ms);
    void drop_marked();
    static bool matches(const Subscriber* s, const RetainedEvent& e);
    static void erase_at(SubscriberList& list, uint32_t index, std::string_view topic);

    HubLimits limits_;
    metrics::Metrics& metrics_; // not owned: outlives the hub
    SubscriberList all_;        // subscribers without a topic filter
    SubscriberList filtered_;   // subscribers with one, also listed under each topic
    std::unordered_map<std::string, SubscriberList, TransparentHash, std::equal_to<>> topics_;
    HeartbeatList heartbeat_;
    ReplayRing ring_;
    std::optional<EventId> newest_;
    std::vector<std::pair<Subscriber*, DropReason>> to_drop_;
    FrameRef open_frame_;
    FrameRef heartbeat_frame_;
};

} // namespace ssehub::sse
