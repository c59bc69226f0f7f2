// Deferred writes, collected and flushed in one pass (redis's handleClientsWithPendingWrites):
// a protocol that multiplexes many streams on one connection (HTTP/2) marks itself here during
// a fan-out and writes everything the fan-out produced at once, instead of once per stream.
// The idle handle only runs while something is pending; it keeps poll from blocking meanwhile.
#pragma once

#include <uv.h>
#include <vector>

namespace ssehub::net {

class FlushList;

class Flushable {
  public:
    virtual void flush_now() = 0;

  protected:
    Flushable() = default;
    ~Flushable() = default;

  private:
    friend class FlushList;
    bool flush_pending_ = false;
};

class FlushList {
  public:
    FlushList() = default;
    FlushList(const FlushList&) = delete;
    FlushList& operator=(const FlushList&) = delete;

    void init(uv_loop_t* loop);
    // Idempotent; the flush runs on the next loop iteration, before the loop can sleep.
    void add(Flushable* f);
    // Forgets f (it is going away); safe during a flush pass.
    void remove(Flushable* f);
    // Runs the pass now rather than on the next loop iteration (the end of a fan-out, so that
    // HTTP/2 output joins its io_uring submission). Does nothing while a pass is running: what
    // that pass has not reached it still flushes, and what it adds waits for the next one.
    void flush_pending();
    // The same at the end of a fan-out pass (net::SendBatch's hook). What runs then may only
    // write: at_pass_end() tells it to leave anything else (the hub's bookkeeping, closing)
    // for the next loop turn.
    void flush_at_pass_end();
    bool at_pass_end() const { return at_pass_end_; }
    // The handle belongs to the owner's loop teardown: closed here, memory kept by the owner.
    uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&idle_); }

  private:
    static void on_idle(uv_idle_t* idle) noexcept;

    uv_idle_t idle_;
    std::vector<Flushable*> pending_;
    std::vector<Flushable*> running_; // the pass in progress; removed entries become null
    bool flushing_ = false;
    bool at_pass_end_ = false;
};

} // namespace ssehub::net
