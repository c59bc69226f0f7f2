// A planned restart seen from the hub: what a stream hands on to the next process, and the end,
// with a retry: of its own, of each stream that cannot be handed on (hub.hpp).
#include "sse/hub.hpp"

namespace ssehub::sse {

std::optional<Subscription> Hub::handover_state(const Subscriber* s) const {
    if (!s->registered_ || s->read_rights() || s->expires_ || replaying(s)) return std::nullopt;
    Subscription out;
    out.topics = s->topics();
    if (auto at = position()) out.resume = at->to_string();
    out.transport = s->transport_;
    out.shared = s->shared_;
    out.adopted = true;
    return out;
}

void Hub::adopt_retained(RetainedEvent event) {
    if (newest_ && !(*newest_ < event.id)) return;
    newest_ = event.id;
    ring_.push(std::move(event));
}

void Hub::end_for_restart(const std::function<bool(const Subscriber*)>& keep,
                          const std::function<net::FrameRef()>& retry, uint64_t now_ms) {
    std::vector<Subscriber*> everyone(all_);
    everyone.insert(everyone.end(), filtered_.begin(), filtered_.end());
    for (Subscriber* s : everyone) {
        if (keep(s)) continue;
        deliver(s, retry(), now_ms);
        to_drop_.emplace_back(s, DropReason::Shutdown); // sends what is queued, then closes
    }
    drop_marked();
}

} // namespace ssehub::sse
