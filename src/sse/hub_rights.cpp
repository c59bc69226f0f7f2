// Private topics after a stream has started: its token expires, or a reload makes a topic it
// asked for private. Either way the stream is told why and where to resume (ssehub.expired),
// then ends gracefully, so the page can come back with a fresh token and lose nothing.
#include "sse/frame_encoder.hpp"
#include "sse/hub.hpp"

#include <nlohmann/json.hpp>

namespace ssehub::sse {

void Hub::end_stream(Subscriber* s, std::string_view reason, uint64_t now_ms) {
    if (s->marked_for_drop_) return;
    // Everything this subscriber may read up to the resume point is queued before this event:
    // the ring's cursor while it replays, else the newest event the hub has fanned out.
    std::optional<EventId> resume = s->replaying_ ? std::optional(s->cursor()) : newest_;
    nlohmann::json data = {{"reason", reason}, {"last_event_id", nullptr}};
    if (resume) data["last_event_id"] = resume->to_string();
    net::FrameRef frame =
        encode_hub_event("ssehub.expired", data.dump(), resume ? &*resume : nullptr);
    metrics_.bytes_written += frame->size();
    if (!deliver(s, frame, now_ms)) return; // too slow or broken: dropped anyway
    s->marked_for_drop_ = true;
    to_drop_.emplace_back(s, DropReason::Expired);
}

// Called on every tick, inside the heartbeat pass: the expiry list is ordered, so a tick with
// nothing due costs one comparison.
void Hub::expire_due(uint64_t now_ms) {
    while (!expiries_.empty() && expiries_.begin()->first <= now_ms) {
        Subscriber* s = expiries_.begin()->second;
        expiries_.erase(expiries_.begin());
        s->expires_ = false;
        ++metrics_.token_expiries;
        end_stream(s, "token expired", now_ms);
    }
}

namespace {

// What makes two grants the same: their patterns and keys, in order, each item prefixed by its
// length, so two different grants never give the same key.
std::string grant_key(const ReadRights& r) {
    std::string key;
    for (const auto* list : {&r.topics.patterns, &r.signing_keys}) {
        key += std::to_string(list->size()) + ':';
        for (const std::string& item : *list)
            key += std::to_string(item.size()) + ':' + item;
    }
    return key;
}

} // namespace

std::shared_ptr<const ReadRights> Hub::intern(std::shared_ptr<const ReadRights> rights) {
    std::weak_ptr<const ReadRights>& slot = rights_[grant_key(*rights)];
    if (auto shared = slot.lock()) return shared;
    slot = rights;
    return rights;
}

void Hub::release_rights(Subscriber* s) {
    if (!s->read_rights()) return;
    std::shared_ptr<const ReadRights>& rights = s->detail_->read_rights;
    // The last holder: the pool's entry would point at nothing once this goes.
    if (rights.use_count() == 1) rights_.erase(grant_key(*rights));
    rights.reset();
}

// A key is gone when the set no longer holds it; then the rights it vouched for are gone too,
// for a token without exp as for any other (rotating keys keeps the ones still listed).
bool Hub::keys_still_vouch(const Subscriber* s) const {
    const ReadRights* rights = s->read_rights();
    if (!rights) return true;
    const auth::KeySet* keys = limits_.signing_keys.get();
    return std::all_of(rights->signing_keys.begin(), rights->signing_keys.end(),
                       [&](const std::string& fp) { return keys && keys->has_fingerprint(fp); });
}

void Hub::recheck_rights(uint64_t now_ms) {
    {
        net::DeliveryBatchScope pass(batch_);
        for (Subscriber* s : filtered_) {
            if (!keys_still_vouch(s)) {
                end_stream(s, "keys changed", now_ms);
                continue;
            }
            bool allowed = std::all_of(s->topics().begin(), s->topics().end(), [&](auto& topic) {
                return !is_private(topic) || may_read(s, topic);
            });
            if (!allowed) end_stream(s, "private topics changed", now_ms);
        }
        for (Subscriber* s : all_)
            if (!keys_still_vouch(s)) end_stream(s, "keys changed", now_ms);
    }
    drop_marked();
}

} // namespace ssehub::sse
