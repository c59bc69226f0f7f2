// The hub's side of an upstream store (Redis): replays that start before the ring and are read
// from the store a page at a time, replays that are ahead of this hub, events retained without
// delivery at start-up, and gaps the upstream reports. A lone hub never gets here.
//
// A paged replay: fetch the first page (which includes the resume id, to learn whether the
// store still holds it: if not, ssehub.gap first); deliver it; fetch the next page once the
// socket has taken most of it; as soon as the ring holds what follows the cursor, go on from
// the ring (continue_replay), then live. Ids only grow and the cursor only moves forward, so
// nothing is sent twice and nothing is skipped.
#include "sse/frame_encoder.hpp"
#include "sse/hub.hpp"

#include <algorithm>

namespace ssehub::sse {

void Hub::fetch_page(Subscriber* s, bool first) {
    s->detail().history_request = history_->fetch(s, s->cursor(), first);
}

// True when every event after `cursor` that this hub has received is still in the ring.
bool Hub::ring_covers(const EventId& cursor) const {
    return ring_.contains(cursor) || cursor == ring_.last_evicted() ||
           (newest_ && cursor >= *newest_);
}

void Hub::on_history_page(HistoryRequest& request, const HistoryPage& page, uint64_t now_ms) {
    Subscriber* s = request.subscriber;
    s->detail_->history_request = nullptr;
    size_t i = 0;
    if (request.first) {
        if (!page.entries.empty() && page.entries.front().event.id == request.from) {
            i = 1; // the store still holds the resume point: nothing before it was missed
        } else {
            bool too_old = page.store_first && request.from < *page.store_first;
            send_gap(s, too_old ? "too_old" : "unknown", request.from.to_string(), now_ms);
            if (page.entries.empty()) {
                // Past the store's end: not an id of this stream. As on a lone hub, the
                // retained events follow the gap.
                s->cursor() = ring_.last_evicted().value_or(EventId{});
                s->paging_ = false;
                continue_replay(s, now_ms);
                drop_marked();
                return;
            }
        }
    }
    for (; i < page.entries.size() && !s->marked_for_drop_; ++i) {
        const HistoryEntry& entry = page.entries[i];
        const Event& e = entry.event;
        if (e.id <= s->cursor()) continue;
        s->cursor() = e.id;
        if (!entry.valid || !matches(s, e.topic, e.broadcast)) continue;
        net::FrameRef frame = encode_event(e);
        deliver(s, frame, now_ms);
        ++metrics_.deliveries;
        ++metrics_.replayed_events;
        metrics_.bytes_written += frame->size();
    }
    if (!s->marked_for_drop_) continue_paging(s, page.end, now_ms);
    drop_marked();
}

void Hub::continue_paging(Subscriber* s, bool store_end, uint64_t now_ms) {
    if (store_end || ring_covers(s->cursor())) {
        s->paging_ = false;
        continue_replay(s, now_ms); // the ring from the cursor on, parked if ahead of us
        return;
    }
    if (s->queued_bytes() < replay_budget()) fetch_page(s, false);
    // else on_drained() fetches the next page
}

void Hub::park(Subscriber* s) {
    if (s->parked_) return;
    s->parked_ = true;
    parked_.push_back(s);
}

void Hub::release_parked_now(uint64_t now_ms) {
    std::vector<Subscriber*> parked;
    parked.swap(parked_);
    for (Subscriber* s : parked) {
        if (newest_ && s->cursor() <= *newest_ && !s->marked_for_drop_) {
            s->parked_ = false;
            continue_replay(s, now_ms);
        } else {
            parked_.push_back(s);
        }
    }
}

void Hub::release_parked(uint64_t now_ms) {
    if (parked_.empty()) return;
    release_parked_now(now_ms);
    drop_marked();
}

void Hub::retain(const Event& event) {
    newest_ = event.id;
    ring_.push(
        RetainedEvent{event.id, std::string(event.topic), event.broadcast, encode_event(event)});
}

void Hub::add_hole(const EventId& after, const EventId& until) {
    std::pair<EventId, EventId> hole{after, until};
    if (std::find(holes_.begin(), holes_.end(), hole) != holes_.end()) return;
    holes_.push_back(hole);
    // A hole older than the ring no longer matters: a resume before it is too old anyway.
    if (auto evicted = ring_.last_evicted())
        std::erase_if(holes_, [&](const auto& h) { return h.first < *evicted; });
}

const std::pair<EventId, EventId>* Hub::hole_crossed(const EventId& cursor,
                                                     const EventId* next) const {
    for (const auto& h : holes_)
        if (cursor <= h.first && (!next || *next > h.first)) return &h;
    return nullptr;
}

const std::pair<EventId, EventId>* Hub::hole_containing(const EventId& id) const {
    for (const auto& h : holes_)
        if (h.first < id && id < h.second) return &h;
    return nullptr;
}

void Hub::send_lost_gap(Subscriber* s, const std::pair<EventId, EventId>& hole,
                        std::string_view requested, uint64_t now_ms) {
    net::FrameRef frame = gap_frame("lost", requested, &hole);
    deliver(s, frame, now_ms);
    ++metrics_.gaps;
    metrics_.bytes_written += frame->size();
}

void Hub::send_gap_to_all(std::string_view reason, std::string_view requested, uint64_t now_ms) {
    net::FrameRef frame = gap_frame(reason, requested);
    for (SubscriberList* list : {&all_, &filtered_}) {
        for (Subscriber* s : *list) {
            if (s->marked_for_drop_) continue;
            deliver(s, frame, now_ms);
            ++metrics_.gaps;
            metrics_.bytes_written += frame->size();
        }
    }
    drop_marked();
}

size_t Hub::count_matching(std::string_view topic, bool broadcast) const {
    size_t n = 0;
    if (!broadcast && is_private(topic))
        n = static_cast<size_t>(std::count_if(
            all_.begin(), all_.end(), [&](const Subscriber* s) { return may_read(s, topic); }));
    else
        n = all_.size();
    if (broadcast) {
        n += filtered_.size();
    } else if (!topic.empty()) {
        if (auto it = topics_.find(topic); it != topics_.end()) n += it->second.size();
    }
    return n;
}

} // namespace ssehub::sse
