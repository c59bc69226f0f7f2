// Layer sse/: events, ids, the hub (subscribers and topics), the replay ring, heartbeats.
// This is where an event is framed (frame_encoder) and fanned out. It knows no transport and no
// HTTP status: includes only net/, metrics/ and base/.
//
// The hub: every connected subscriber, by topic, and the one place events enter. publish()
// encodes an event once, retains it in the replay ring and hands a reference to every matching
// subscriber. Cost per delivery does not depend on the number of topics or other subscribers.
// With an upstream store (Redis), a resume older than the ring is read from the store a page at
// a time (hub_history.cpp), then from the ring, then live.
#pragma once

#include "auth/key_set.hpp"
#include "metrics/metrics.hpp"
#include "net/delivery_batch.hpp"
#include "sse/event.hpp"
#include "sse/event_id.hpp"
#include "sse/heartbeat_list.hpp"
#include "sse/history.hpp"
#include "sse/replay_ring.hpp"
#include "sse/subscriber.hpp"
#include "sse/subscription.hpp"
#include "sse/topic_tally.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ssehub::sse {

// A row of the dashboard's table of busiest topics (hub_topics.cpp).
struct TopicFigures {
    std::string topic;
    size_t subscribers = 0;  // streams that asked for this topic by name
    double events_per_s = 0; // in the last closed second of counting
    bool exact = true;       // false: events_per_s is an upper bound (TopicTally)
};

struct HubLimits {
    size_t history_events = 4096;
    size_t history_bytes = 16u << 20;
    size_t max_queued_bytes = 1u << 20;
    unsigned retry_ms = 3000;
    uint64_t heartbeat_ms = 15000;
    // Topics only a subscriber whose tokens allow them may read (--private-topic). A broadcast
    // (the legacy signal) and an event without a topic are always public.
    auth::TopicRights private_topics;
    // The keys signed tokens are checked with now; null: none. A stream whose read rights a
    // key vouched for that is no longer here ends with ssehub.expired ("keys changed").
    std::shared_ptr<const auth::KeySet> signing_keys;
};

class Hub {
  public:
    Hub(const HubLimits& limits, metrics::Metrics& metrics);
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // A reload: new private topics end (with ssehub.expired) the streams that may no longer
    // read a topic they asked for, so they come back and are decided again.
    void set_limits(const HubLimits& limits, uint64_t now_ms = 0);
    // The store that holds events older than the ring (not owned; outlives the hub's
    // subscribers). Without one, the ring is all the history there is.
    void set_history(History* history) { history_ = history; }
    // Brackets each fan-out pass (not owned; outlives the hub). Null: every send on its own.
    void set_delivery_batch(net::DeliveryBatch* batch) { batch_ = batch; }

    // The one way an event enters the hub: a local publish or the upstream (Redis) reader. `id`
    // must be greater than every id before it. An empty topic means none; broadcast (the legacy
    // signal) reaches every subscriber whatever its topics. Returns the subscribers it was
    // queued for.
    size_t publish(const Event& event, uint64_t now_ms);

    // Starts a stream: the opening frame, the replay after its resume point when given, then
    // live events; each of them only if it is public or the subscription may read it. The
    // application has validated the topics and checked that it may read the private ones.
    void add(Subscriber* s, Subscription subscription, uint64_t now_ms);
    // A public subscription (no token): topics and the raw Last-Event-ID, or null.
    void add(Subscriber* s, std::vector<std::string> topics, const std::string* resume,
             uint64_t now_ms) {
        add(s,
            Subscription{std::move(topics), resume ? std::optional(*resume) : std::nullopt, {}, {}},
            now_ms);
    }
    // Forgets a subscriber. Safe to call for one that was never added. Never while a fan-out
    // walks the lists; a write failure the delivery batch reports at the end of a pass may.
    void remove(Subscriber* s);
    // A subscriber's output queue drained: an unfinished replay goes on.
    void on_drained(Subscriber* s, uint64_t now_ms);

    // Upstream (Redis) side. retain() keeps an event for replay without delivering it (history
    // read at start-up); ids grow as for publish(). release_parked() lets replays that were
    // ahead of this hub go on once it has caught up. send_gap_to_all() tells every subscriber
    // that events may have been lost upstream.
    void retain(const Event& event);
    // Ids strictly between `after` and `until` may have been issued and lost (a stop that was
    // not clean, a failed write to the history log): a replay that crosses them, or a resume
    // from one of them, gets ssehub.gap with reason "lost" naming the range, never silence.
    void add_hole(const EventId& after, const EventId& until);
    void release_parked(uint64_t now_ms);
    void send_gap_to_all(std::string_view reason, std::string_view requested, uint64_t now_ms);
    // A page the store read for request.subscriber (the store calls it only if not cancelled).
    void on_history_page(HistoryRequest& request, const HistoryPage& page, uint64_t now_ms);
    // How many subscribers an event with this topic would be queued for now.
    size_t count_matching(std::string_view topic, bool broadcast) const;
    // Sends a comment to every subscriber written to longer than `heartbeat` ago, and ends the
    // streams whose token has expired (ssehub.expired, then a graceful end).
    void send_heartbeats(uint64_t now_ms);
    // Whether an event of this topic needs a token to read.
    bool is_private(std::string_view topic) const {
        return !limits_.private_topics.empty() && !topic.empty() &&
               limits_.private_topics.allows(topic);
    }
    // The dashboard (hub_topics.cpp). Events are counted per topic only from a call of
    // watch_topics() until `watch_topics_ms` later: nothing is counted while nobody watches,
    // and the counts are freed at the first publish after that.
    static constexpr uint64_t watch_topics_ms = 5000;
    void watch_topics(uint64_t now_ms);
    // Up to `n` topics, by events per second then subscribers: the busiest by events (counted
    // while watched) and by subscribers (the hub's own lists, read now).
    std::vector<TopicFigures> busiest_topics(size_t n, uint64_t now_ms);
    // Topics with at least one subscriber, and whether the counts are estimates.
    size_t topics_subscribed() const { return topics_.size(); }
    bool topic_counts_approximate() const { return tally_.overflowed(); }
    // Topics in the counting table now: at most TopicTally::capacity, whatever is published.
    size_t topics_counted() const { return tally_.size(); }
    size_t unfiltered_subscribers() const { return all_.size(); }

    // What a hand-over passes on for `s` to the next process (topics, shared flag, resume at
    // the hub's position): only for a live stream with no read rights and no expiry. One with
    // signed-token rights is not handed over: the next process would have to trust rights it
    // did not verify, while a reconnect has them checked again against its keys. A stream
    // still replaying is not ready yet (nothing).
    std::optional<Subscription> handover_state(const Subscriber* s) const;
    bool replaying(const Subscriber* s) const { return s->replaying_ || s->paging_ || s->parked_; }
    // The next process's side of a hand-over: an event the previous one retained, frame and
    // all, kept for replay. Ignored unless newer than every event here (history read from
    // disk may hold it already).
    void adopt_retained(RetainedEvent event);
    // A planned restart: every stream `keep` does not claim gets a frame from `retry` (its
    // own, so the comebacks spread) and then ends gracefully, as at shutdown.
    void end_for_restart(const std::function<bool(const Subscriber*)>& keep,
                         const std::function<net::FrameRef()>& retry, uint64_t now_ms);

    // Drops every subscriber (shutdown after the grace period).
    void drop_all(DropReason reason);

    size_t size() const { return all_.size() + filtered_.size(); }
    std::optional<EventId> newest() const { return newest_; }
    // Where this hub began: an id below every event it will be given and at or above every one
    // it was given before (the id source's start for a lone hub; for Redis, the last entry of
    // the stream when this node first read it, "0-0" for an empty stream). A resume from it
    // replays what came since, with no ssehub.gap, while the ring still holds all of that.
    void set_start(const EventId& start) { start_ = start; }
    // The id a page resumes from to get every event after this moment, exactly once, and none
    // before (GET /ssehub/last-id): the newest event's id, or the start when nothing newer came.
    // Nothing until the start is known (Redis: before the stream was first read).
    std::optional<EventId> position() const {
        if (!newest_) return start_;
        if (!start_) return newest_;
        return std::max(*newest_, *start_);
    }
    const ReplayRing& ring() const { return ring_; }

  private:
    struct TransparentHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using SubscriberList = std::vector<Subscriber*>;

    bool deliver(Subscriber* s, const net::FrameRef& frame, uint64_t now_ms);
    void deliver_to(SubscriberList& list, const net::FrameRef& frame, uint64_t now_ms,
                    size_t& matched, size_t& sent);
    void deliver_to_readers(SubscriberList& list, std::string_view topic,
                            const net::FrameRef& frame, uint64_t now_ms, size_t& matched,
                            size_t& sent);
    void count_topic(std::string_view topic, uint64_t now_ms); // hub_topics.cpp
    // hub_rights.cpp: expiry and reloaded private topics.
    void expire_due(uint64_t now_ms);
    void end_stream(Subscriber* s, std::string_view reason, uint64_t now_ms);
    void recheck_rights(uint64_t now_ms);
    bool keys_still_vouch(const Subscriber* s) const;
    static bool may_read(const Subscriber* s, std::string_view topic) {
        const ReadRights* r = s->read_rights();
        return r && r->allows(topic);
    }
    // may_read() within fan-out pass `pass`, answered once per shared ReadRights.
    static bool may_read_in(const Subscriber* s, std::string_view topic, uint64_t pass) {
        const ReadRights* r = s->read_rights();
        if (!r) return false;
        if (r->memo_event != pass) {
            r->memo_allows = r->allows(topic);
            r->memo_event = pass;
        }
        return r->memo_allows;
    }
    // One ReadRights per distinct grant (topics and keys), shared by the streams holding it.
    std::shared_ptr<const ReadRights> intern(std::shared_ptr<const ReadRights> rights);
    void release_rights(Subscriber* s);
    void continue_replay(Subscriber* s, uint64_t now_ms);
    void continue_paging(Subscriber* s, bool store_end, uint64_t now_ms);
    void fetch_page(Subscriber* s, bool first);
    bool ring_covers(const EventId& cursor) const;
    bool resumes_from_start(const EventId& requested) const;
    void park(Subscriber* s);
    void release_parked_now(uint64_t now_ms);
    size_t replay_budget() const { return std::max<size_t>(limits_.max_queued_bytes / 2, 1); }
    net::FrameRef gap_frame(std::string_view reason, std::string_view requested,
                            const std::pair<EventId, EventId>* lost = nullptr) const;
    // A hole (add_hole) that a replay from `cursor` to `next` crosses, or null.
    const std::pair<EventId, EventId>* hole_crossed(const EventId& cursor,
                                                    const EventId* next) const;
    const std::pair<EventId, EventId>* hole_containing(const EventId& id) const;
    void send_lost_gap(Subscriber* s, const std::pair<EventId, EventId>& hole,
                       std::string_view requested, uint64_t now_ms);
    void send_gap(Subscriber* s, std::string_view reason, std::string_view requested,
                  uint64_t now_ms);
    void drop_marked();
    bool matches(const Subscriber* s, std::string_view topic, bool broadcast) const;
    bool matches(const Subscriber* s, const RetainedEvent& e) const {
        return matches(s, e.topic, e.broadcast);
    }
    static void erase_at(SubscriberList& list, uint32_t index, std::string_view topic);

    HubLimits limits_;
    metrics::Metrics& metrics_; // not owned: outlives the hub
    SubscriberList all_;        // subscribers without a topic filter
    SubscriberList filtered_;   // subscribers with one, also listed under each topic
    std::unordered_map<std::string, SubscriberList, TransparentHash, std::equal_to<>> topics_;
    HeartbeatList heartbeat_;
    ReplayRing ring_;
    std::optional<EventId> newest_;
    std::optional<EventId> start_;
    std::vector<std::pair<EventId, EventId>> holes_; // (after, until), few: see add_hole()
    History* history_ = nullptr;                     // not owned; null for a lone hub
    net::DeliveryBatch* batch_ = nullptr;            // not owned
    std::vector<Subscriber*> parked_;                // replays waiting for this hub to catch up
    std::vector<std::pair<Subscriber*, DropReason>> to_drop_;
    std::multimap<uint64_t, Subscriber*> expiries_; // by loop time of token expiry
    // intern(): each distinct grant once, by its topics and keys; an entry goes with the last
    // stream holding it (release_rights), so a hostile client's tokens cannot grow it alone.
    std::unordered_map<std::string, std::weak_ptr<const ReadRights>> rights_;
    uint64_t fanout_pass_ = 0;      // numbers deliver_to_readers() passes for ReadRights' memo
    TopicTally tally_;              // while watched_until_ms_ is ahead (hub_topics.cpp)
    uint64_t watched_until_ms_ = 0; // 0: nobody watches
    net::FrameRef open_frame_;
    net::FrameRef heartbeat_frame_;
};

} // namespace ssehub::sse
