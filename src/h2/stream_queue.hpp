// What one HTTP/2 stream still has to send: shared frames, by reference, with an offset into the
// first. DATA frames are cut from the front by take(), which hands the shared bytes straight to
// the transport; nghttp2 never copies them (NGHTTP2_DATA_FLAG_NO_COPY).
#pragma once

#include "net/frame.hpp"
#include "net/transport.hpp"

#include <algorithm>
#include <cstddef>
#include <deque>

namespace ssehub::h2 {

class StreamQueue {
  public:
    void push(const net::FrameRef& frame) {
        if (frame->size() == 0) return;
        bytes_ += frame->size();
        frames_.push_back(frame);
    }
    size_t bytes() const { return bytes_; }
    bool empty() const { return bytes_ == 0; }

    // Gathers the first `len` bytes (len <= bytes()) into `out` and lets go of the frames they
    // used up.
    void take(size_t len, net::Transport& out) {
        while (len > 0 && !frames_.empty()) {
            const net::FrameRef& f = frames_.front();
            size_t n = std::min(len, f->size() - head_offset_);
            out.gather(f->data() + head_offset_, n);
            len -= n;
            bytes_ -= n;
            head_offset_ += n;
            if (head_offset_ == f->size()) {
                frames_.pop_front();
                head_offset_ = 0;
            }
        }
    }
    void clear() {
        frames_.clear();
        head_offset_ = 0;
        bytes_ = 0;
    }

  private:
    std::deque<net::FrameRef> frames_;
    size_t head_offset_ = 0; // bytes of frames_.front() already taken
    size_t bytes_ = 0;
};

} // namespace ssehub::h2
