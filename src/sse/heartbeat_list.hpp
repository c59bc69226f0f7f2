// Subscribers ordered by the time they were last written to, oldest first. One timer walks it
// from the head; a write moves a subscriber to the tail. No timer per subscriber.
#pragma once

#include "sse/subscriber.hpp"

namespace ssehub::sse {

class HeartbeatList {
  public:
    void push_back(Subscriber* s, uint64_t now_ms);
    void remove(Subscriber* s);
    void touch(Subscriber* s, uint64_t now_ms) {
        if (s == tail_) {
            s->last_write_ms_ = now_ms;
            return;
        }
        remove(s);
        push_back(s, now_ms);
    }
    Subscriber* head() const { return head_; }
    static uint64_t last_write_ms(const Subscriber* s) { return s->last_write_ms_; }

  private:
    Subscriber* head_ = nullptr;
    Subscriber* tail_ = nullptr;
};

} // namespace ssehub::sse
