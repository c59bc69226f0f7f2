// Subscribers ordered by the time they were last written to, oldest first. One timer walks it
// from the head; a write moves a subscriber to the tail. No timer per subscriber.
#pragma once

#include "base/intrusive_list.hpp"
#include "sse/subscriber.hpp"

namespace ssehub::sse {

class HeartbeatList {
  public:
    void push_back(Subscriber* s, uint64_t now_ms) {
        s->last_write_ms_ = now_ms;
        list_.push_back(s);
    }
    void remove(Subscriber* s) { list_.remove(s); }
    void touch(Subscriber* s, uint64_t now_ms) {
        if (s == list_.tail) {
            s->last_write_ms_ = now_ms;
            return;
        }
        remove(s);
        push_back(s, now_ms);
    }
    Subscriber* head() const { return list_.head; }
    static uint64_t last_write_ms(const Subscriber* s) { return s->last_write_ms_; }

  private:
    base::IntrusiveList<Subscriber, &Subscriber::hb_prev_, &Subscriber::hb_next_> list_;
};

} // namespace ssehub::sse
