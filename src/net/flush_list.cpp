#include "net/flush_list.hpp"

#include <algorithm>

namespace ssehub::net {

void FlushList::init(uv_loop_t* loop) {
    uv_idle_init(loop, &idle_);
    idle_.data = this;
}

void FlushList::add(Flushable* f) {
    if (f->flush_pending_) return;
    f->flush_pending_ = true;
    if (pending_.empty()) uv_idle_start(&idle_, on_idle);
    pending_.push_back(f);
}

void FlushList::remove(Flushable* f) {
    if (!f->flush_pending_) return;
    f->flush_pending_ = false;
    auto drop = [&](std::vector<Flushable*>& v) {
        if (auto it = std::find(v.begin(), v.end(), f); it != v.end()) *it = nullptr;
    };
    drop(pending_);
    drop(running_);
}

void FlushList::on_idle(uv_idle_t* idle) noexcept {
    static_cast<FlushList*>(idle->data)->flush_pending();
}

void FlushList::flush_at_pass_end() {
    at_pass_end_ = true;
    flush_pending();
    at_pass_end_ = false;
}

void FlushList::flush_pending() {
    if (flushing_ || pending_.empty()) return;
    flushing_ = true;
    running_.swap(pending_);
    uv_idle_stop(&idle_);
    for (size_t i = 0; i < running_.size(); ++i) {
        Flushable* f = running_[i];
        if (!f) continue;
        f->flush_pending_ = false;
        f->flush_now(); // may add() itself again: that lands in pending_, for the next pass
    }
    running_.clear();
    flushing_ = false;
    if (!pending_.empty()) {
        // Entries removed before this pass left nulls behind; the next pass skips them too.
        uv_idle_start(&idle_, on_idle);
    }
}

} // namespace ssehub::net
