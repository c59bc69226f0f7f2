// Output of one stream: frames held by reference until the kernel has them. push() tries the
// write at once (uv_try_write) and queues only what the socket did not take; the queue is
// then sent with uv_write, several frames per writev. The owner is told when the queue drains
// or a write fails. Queued bytes are counted so the owner can bound them. The plain transport:
// a delivery costs one send() of the shared bytes, no copy and no allocation. The uv_write_t
// exists only while a write is pending: most subscribers keep up, and without it the queue is
// a third of its size (RSS per idle subscriber). For the same reason one frame is held in place
// and only a backlog of two or more takes a ring from the heap, given back once it drains;
// the queue is small enough to live inside its connection rather than in a block of its own.
#pragma once

#include "net/batched_sender.hpp"
#include "net/frame.hpp"
#include "net/transport.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <uv.h>
#include <vector>

namespace ssehub::net {

class SendBatch;

class WriteQueue final : public Transport, public BatchedSender {
  public:
    // `batch` (may be null, not owned, outlives the queue): while a fan-out pass is open, an
    // idle queue leaves its next write to the batch instead of sending it itself.
    WriteQueue(uv_stream_t* stream, OnDone on_done, void* owner, SendBatch* batch = nullptr)
        : stream_(stream), on_done_(on_done), owner_(owner), batch_(batch) {}
    ~WriteQueue() override;
    WriteQueue(const WriteQueue&) = delete;
    WriteQueue& operator=(const WriteQueue&) = delete;

    // Returns 0, or a libuv error when the stream is broken (nothing more will be written).
    int push(const net::FrameRef& frame) override;
    // Gathered bytes become one frame at flush(): one write for a whole pass of framing.
    void gather(const char* data, size_t len) override;
    int flush() override;
    size_t queued_bytes() const override {
        return queued_bytes_ + (gathered_ ? gathered_->size() : 0);
    }
    bool failed() const override { return failed_; }

    // SendBatch: the kernel's answer to the send it made for this queue (bytes taken, or
    // -errno). Returns true when the queue has failed; the batch then calls report()
    // once the pass is over, when the owner may close.
    bool on_batch_sent(int result) override;
    void report() override;

  private:
    int descriptor();
    int try_send(const char* data, size_t size);
    void start_write();
    static void on_write(uv_write_t* req, int status) noexcept;

    // The frames not yet written, oldest first: frame(0) is the head.
    net::FrameRef& frame(uint32_t i) {
        return cap_log_ == 0 ? slots_.one : slots_.ring[(head_ + i) & (cap() - 1)];
    }
    void push_frame(const net::FrameRef& f);
    void pop_frame();
    void clear_frames(); // also gives a ring back: the queue is idle again

    static constexpr size_t max_bufs_per_write = 64;

    // One frame in place (no ring: count_ <= 1), or a ring of cap() (a power of two) frames.
    union Slots {
        net::FrameRef one;
        net::FrameRef* ring;
        Slots() : one() {}
        ~Slots() {}
    } slots_;
    uv_stream_t* stream_; // not owned: the connection's handle
    OnDone on_done_;
    void* owner_;
    SendBatch* batch_;
    std::unique_ptr<std::string> gathered_; // only once a protocol gathers (HTTP/2)
    // Set while writing_; freed when the queue drains. libuv is done with a request once its
    // callback runs, so on_write may free it; close() cancels a pending one with its callback.
    std::unique_ptr<uv_write_t> req_;
    size_t queued_bytes_ = 0;
    int fd_ = -1;        // its descriptor, looked up at the first write
    int slot_ = -1;      // its registered-file slot in batch_, claimed at the first batched write
    uint32_t head_ = 0;  // the ring's index of frame(0)
    uint32_t count_ = 0; // frames unsent or in flight
    uint32_t head_offset_ = 0; // bytes of frame(0) already written (a uv_buf_t is 32-bit)
    int16_t error_ = 0;        // why failed_, as a libuv error (all fit: -errno, UV_EAI_*)
    // Packed: the queue lives in every subscriber's connection (RSS per idle subscriber).
    uint8_t in_flight_ : 7 = 0; // frames covered by the pending uv_write (max_bufs_per_write)
    bool slot_claimed_ : 1 = false;
    uint8_t cap_log_ : 5 = 0; // the ring holds 1 << cap_log_ frames; 0: no ring
    bool writing_ : 1 = false;
    bool in_batch_ : 1 = false; // frame(0) is with the SendBatch
    bool failed_ : 1 = false;

    uint32_t cap() const { return cap_log_ == 0 ? 0 : 1u << cap_log_; }
    static_assert(max_bufs_per_write < 128, "in_flight_ has 7 bits");
};

} // namespace ssehub::net
