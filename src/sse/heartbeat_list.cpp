#include "sse/heartbeat_list.hpp"

namespace ssehub::sse {

void HeartbeatList::push_back(Subscriber* s, uint64_t now_ms) {
    s->last_write_ms_ = now_ms;
    s->hb_next_ = nullptr;
    s->hb_prev_ = tail_;
    if (tail_)
        tail_->hb_next_ = s;
    else
        head_ = s;
    tail_ = s;
}

void HeartbeatList::remove(Subscriber* s) {
    if (s->hb_prev_)
        s->hb_prev_->hb_next_ = s->hb_next_;
    else
        head_ = s->hb_next_;
    if (s->hb_next_)
        s->hb_next_->hb_prev_ = s->hb_prev_;
    else
        tail_ = s->hb_prev_;
    s->hb_prev_ = s->hb_next_ = nullptr;
}

} // namespace ssehub::sse
