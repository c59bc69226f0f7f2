#include "sse/hub.hpp"

#include "sse/frame_encoder.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ssehub::sse {

Hub::Hub(const HubLimits& limits, metrics::Metrics& metrics)
    : limits_(limits), metrics_(metrics), ring_(limits.history_events, limits.history_bytes),
      open_frame_(encode_stream_open(limits.retry_ms)),
      heartbeat_frame_(net::Frame::copy_of(": heartbeat\n\n")) {}

void Hub::set_limits(const HubLimits& limits, uint64_t now_ms) {
    if (limits.retry_ms != limits_.retry_ms) open_frame_ = encode_stream_open(limits.retry_ms);
    bool rights_changed = limits.private_topics.patterns != limits_.private_topics.patterns ||
                          limits.signing_keys != limits_.signing_keys;
    limits_ = limits;
    ring_.set_limits(limits.history_events, limits.history_bytes);
    if (rights_changed) recheck_rights(now_ms);
}

bool Hub::matches(const Subscriber* s, std::string_view topic, bool broadcast) const {
    if (broadcast) return true;
    const std::vector<std::string>& topics = s->topics();
    if (!topics.empty() && std::find(topics.begin(), topics.end(), topic) == topics.end())
        return false;
    return !is_private(topic) || may_read(s, topic);
}

// Returns false when the subscriber cannot take more and has been marked for drop.
bool Hub::deliver(Subscriber* s, const net::FrameRef& frame, uint64_t now_ms) {
    bool ok = s->send(frame);
    heartbeat_.touch(s, now_ms);
    if (ok && s->queued_bytes() <= limits_.max_queued_bytes) return true;
    if (!s->marked_for_drop_) {
        s->marked_for_drop_ = true;
        to_drop_.emplace_back(s, ok ? DropReason::SlowSubscriber : DropReason::WriteError);
    }
    return false;
}

// `matched` counts every subscriber the event is for; `sent` only those written to now. A
// replaying subscriber gets this event from the ring, in order, when it gets there (and is
// counted as a delivery then).
void Hub::deliver_to(SubscriberList& list, const net::FrameRef& frame, uint64_t now_ms,
                     size_t& matched, size_t& sent) {
    matched += list.size();
    for (Subscriber* s : list) {
        if (s->replaying_ || s->marked_for_drop_) continue;
        deliver(s, frame, now_ms);
        ++sent;
    }
}

// The same for a private event to subscribers without a topic filter: only those whose tokens
// allow its topic. (A filtered subscriber was checked for each of its topics when it started.)
void Hub::deliver_to_readers(SubscriberList& list, std::string_view topic,
                             const net::FrameRef& frame, uint64_t now_ms, size_t& matched,
                             size_t& sent) {
    uint64_t pass = ++fanout_pass_;
    for (Subscriber* s : list) {
        if (!may_read_in(s, topic, pass)) continue;
        ++matched;
        if (s->replaying_ || s->marked_for_drop_) continue;
        deliver(s, frame, now_ms);
        ++sent;
    }
}

size_t Hub::publish(const Event& event, uint64_t now_ms) {
    net::FrameRef frame = encode_event(event);
    std::string_view topic = event.topic;
    bool broadcast = event.broadcast;
    newest_ = event.id;
    ring_.push(RetainedEvent{event.id, std::string(topic), broadcast, frame});
    ++metrics_.events_published;
    if (watched_until_ms_ != 0) count_topic(topic, now_ms);

    size_t count = 0, sent = 0;
    {
        net::DeliveryBatchScope pass(batch_);
        if (!broadcast && is_private(topic))
            deliver_to_readers(all_, topic, frame, now_ms, count, sent);
        else
            deliver_to(all_, frame, now_ms, count, sent);
        if (broadcast) {
            deliver_to(filtered_, frame, now_ms, count, sent);
        } else if (!topic.empty()) {
            if (auto it = topics_.find(topic); it != topics_.end())
                deliver_to(it->second, frame, now_ms, count, sent);
        }
    }
    metrics_.deliveries += sent;
    metrics_.bytes_written += sent * frame->size();
    if (!parked_.empty()) release_parked_now(now_ms);
    drop_marked();
    return count;
}

void Hub::add(Subscriber* s, Subscription subscription, uint64_t now_ms) {
    if (!subscription.topics.empty()) {
        std::vector<std::string>& topics = s->detail().topics;
        topics = std::move(subscription.topics);
        // A topic named twice would deliver its events twice.
        std::sort(topics.begin(), topics.end());
        topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    }
    if (subscription.read_rights) {
        SubscriberDetail& d = s->detail();
        d.read_rights = intern(std::move(subscription.read_rights));
    }
    if (subscription.expires_at_ms) {
        s->detail().expiry_pos = expiries_.emplace(*subscription.expires_at_ms, s);
        s->expires_ = true;
    }
    const std::string* resume = subscription.resume ? &*subscription.resume : nullptr;
    s->registered_ = true;
    if (s->topics().empty()) {
        s->main_index_ = static_cast<uint32_t>(all_.size());
        all_.push_back(s);
    } else {
        s->main_index_ = static_cast<uint32_t>(filtered_.size());
        filtered_.push_back(s);
        SubscriberDetail& d = *s->detail_;
        d.topic_index.clear();
        for (const std::string& t : d.topics) {
            SubscriberList& list = topics_[t];
            d.topic_index.push_back(static_cast<uint32_t>(list.size()));
            list.push_back(s);
        }
    }
    heartbeat_.push_back(s, now_ms);
    ++metrics_.subscribers;
    s->transport_ = subscription.transport;
    s->shared_ = subscription.shared;
    ++metrics_.subscribers_by_transport[static_cast<size_t>(s->transport_)];
    metrics_.shared_streams += s->shared_;
    if (!subscription.adopted) {
        deliver(s, open_frame_, now_ms);
        metrics_.bytes_written += open_frame_->size();
    }

    if (resume && subscription.adopted) {
        // Replays only what this ring holds after `resume` (history kept on disk across the
        // hand-over); an empty ring means nothing was published since.
        auto requested = EventId::parse(*resume);
        if (requested && ring_.contains(*requested) && *requested != position()) {
            s->cursor() = *requested;
            s->replaying_ = true;
            continue_replay(s, now_ms);
        }
    } else if (resume) {
        ++metrics_.replays;
        auto requested = EventId::parse(*resume);
        auto evicted = ring_.last_evicted();
        EventId before_retained = evicted.value_or(EventId{});
        const std::pair<EventId, EventId>* lost =
            requested && !holes_.empty() ? hole_containing(*requested) : nullptr;
        if (lost) {
            // The client saw an event this hub no longer has: what followed it may be lost.
            send_lost_gap(s, *lost, *resume, now_ms);
            s->cursor() = *requested;
            s->replaying_ = true;
        } else if (requested && *requested == position() && !hole_crossed(*requested, nullptr)) {
            // Up to date: nothing to replay.
        } else if (requested && (ring_.contains(*requested) || requested == evicted ||
                                 resumes_from_start(*requested))) {
            s->cursor() = *requested;
            s->replaying_ = true;
        } else if (requested && history_) {
            // Not in the ring: the upstream store may still hold it (hub_history.cpp).
            s->cursor() = *requested;
            s->replaying_ = true;
            s->paging_ = true;
            fetch_page(s, true);
        } else {
            bool too_old = requested && evicted && *requested < *evicted;
            send_gap(s, too_old ? "too_old" : "unknown", *resume, now_ms);
            s->cursor() = before_retained;
            s->replaying_ = true;
        }
        if (s->replaying_ && !s->paging_) continue_replay(s, now_ms);
    }
    drop_marked();
}

// A page that asked for the position before any event came (GET /ssehub/last-id on a fresh
// hub) resumes from the start: every event since is still in the ring unless one left it.
bool Hub::resumes_from_start(const EventId& requested) const {
    auto evicted = ring_.last_evicted();
    return start_ && requested == *start_ && (!evicted || *evicted <= *start_);
}

net::FrameRef Hub::gap_frame(std::string_view reason, std::string_view requested,
                             const std::pair<EventId, EventId>* lost) const {
    nlohmann::json data = {{"reason", reason},
                           {"requested", std::string(requested)},
                           {"oldest", nullptr},
                           {"newest", nullptr}};
    if (lost) {
        // Events with ids strictly between these two may have been lost.
        data["lost_after"] = lost->first.to_string();
        data["lost_before"] = lost->second.to_string();
    }
    if (auto oldest = ring_.oldest()) data["oldest"] = oldest->to_string();
    if (newest_) data["newest"] = newest_->to_string();
    // The requested id came from the client: dump() escapes it, and invalid UTF-8 is replaced.
    std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return encode_hub_event("ssehub.gap", text);
}

void Hub::send_gap(Subscriber* s, std::string_view reason, std::string_view requested,
                   uint64_t now_ms) {
    net::FrameRef frame = gap_frame(reason, requested);
    deliver(s, frame, now_ms);
    ++metrics_.gaps;
    metrics_.bytes_written += frame->size();
}

void Hub::continue_replay(Subscriber* s, uint64_t now_ms) {
    // Stream the history as the socket drains: never queue more than part of the output bound.
    const size_t budget = replay_budget();
    if (auto evicted = ring_.last_evicted(); evicted && s->cursor() < *evicted) {
        // Events this subscriber still needed left the ring while it was catching up.
        send_gap(s, "too_old", s->cursor().to_string(), now_ms);
        s->cursor() = *evicted;
    }
    size_t i = ring_.first_after(s->cursor());
    while (i < ring_.size() && s->queued_bytes() < budget && !s->marked_for_drop_) {
        const RetainedEvent& e = ring_.at(i++);
        if (!holes_.empty())
            if (const auto* hole = hole_crossed(s->cursor(), &e.id))
                send_lost_gap(s, *hole, s->cursor().to_string(), now_ms);
        s->cursor() = e.id;
        if (matches(s, e)) {
            deliver(s, e.frame, now_ms);
            ++metrics_.deliveries;
            ++metrics_.replayed_events;
            metrics_.bytes_written += e.frame->size();
        }
    }
    if (i < ring_.size()) return; // more once the socket drains
    if (!holes_.empty() && !s->marked_for_drop_) {
        // Nothing retained after the cursor, but ids after it may have been lost.
        if (const auto* hole = hole_crossed(s->cursor(), nullptr)) {
            send_lost_gap(s, *hole, s->cursor().to_string(), now_ms);
            while ((hole = hole_crossed(s->cursor(), nullptr)))
                s->cursor() = EventId{hole->first.ms, hole->first.seq + 1};
        }
    }
    if (history_ && (!newest_ || s->cursor() > *newest_))
        park(s); // the store gave this subscriber events this hub has not read yet
    else
        s->replaying_ = false;
}

void Hub::on_drained(Subscriber* s, uint64_t now_ms) {
    if (!s->registered_ || !s->replaying_ || s->marked_for_drop_ || s->parked_) return;
    if (s->paging_) {
        if (!s->history_request()) fetch_page(s, false);
        return;
    }
    continue_replay(s, now_ms);
    drop_marked();
}

void Hub::send_heartbeats(uint64_t now_ms) {
    {
        net::DeliveryBatchScope pass(batch_);
        while (Subscriber* s = heartbeat_.head()) {
            if (now_ms - HeartbeatList::last_write_ms(s) < limits_.heartbeat_ms) break;
            deliver(s, heartbeat_frame_, now_ms); // moves s to the tail
            ++metrics_.heartbeats;
            metrics_.bytes_written += heartbeat_frame_->size();
        }
        expire_due(now_ms);
    }
    drop_marked();
}

void Hub::drop_marked() {
    std::vector<std::pair<Subscriber*, DropReason>> marked;
    marked.swap(to_drop_);
    for (auto [s, reason] : marked) {
        if (!s->registered_) continue; // closed meanwhile: a write failure ended the pass
        if (reason == DropReason::SlowSubscriber) ++metrics_.slow_subscribers_dropped;
        s->drop(reason); // calls remove()
    }
}

void Hub::drop_all(DropReason reason) {
    std::vector<Subscriber*> everyone(all_);
    everyone.insert(everyone.end(), filtered_.begin(), filtered_.end());
    for (Subscriber* s : everyone)
        s->drop(reason);
}

void Hub::erase_at(SubscriberList& list, uint32_t index, std::string_view topic) {
    Subscriber* moved = list.back();
    list.pop_back();
    if (index >= list.size()) return; // it was the last one
    list[index] = moved;
    if (topic.empty()) {
        moved->main_index_ = index;
    } else {
        SubscriberDetail& d = *moved->detail_;
        auto pos = std::lower_bound(d.topics.begin(), d.topics.end(), topic);
        d.topic_index[static_cast<size_t>(pos - d.topics.begin())] = index;
    }
}

void Hub::remove(Subscriber* s) {
    if (!s->registered_) return;
    s->registered_ = false;
    if (HistoryRequest* request = s->history_request()) {
        request->subscriber = nullptr; // the store drops the answer
        s->detail_->history_request = nullptr;
    }
    if (s->parked_) {
        parked_.erase(std::find(parked_.begin(), parked_.end(), s));
        s->parked_ = false;
    }
    if (s->topics().empty()) {
        erase_at(all_, s->main_index_, {});
    } else {
        erase_at(filtered_, s->main_index_, {});
        const SubscriberDetail& d = *s->detail_;
        for (size_t i = 0; i < d.topics.size(); ++i) {
            auto it = topics_.find(d.topics[i]);
            erase_at(it->second, d.topic_index[i], d.topics[i]);
            if (it->second.empty()) topics_.erase(it);
        }
    }
    if (s->expires_) {
        expiries_.erase(s->detail_->expiry_pos);
        s->expires_ = false;
    }
    release_rights(s);
    heartbeat_.remove(s);
    --metrics_.subscribers;
    --metrics_.subscribers_by_transport[static_cast<size_t>(s->transport_)];
    metrics_.shared_streams -= s->shared_;
}

} // namespace ssehub::sse
