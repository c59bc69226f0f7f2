// The writes of one fan-out pass, given to the kernel together through io_uring: a send per
// subscriber is queued as a submission entry, a full ring is submitted at once (so the first
// subscribers are not kept waiting for the last), and end() submits the rest and waits until
// every entry is answered. Each entry is a non-blocking send (MSG_DONTWAIT), so the kernel runs
// it inline during the submission and answers at once, as send() would: all of it or a part
// is taken, or EAGAIN, and the WriteQueue queues what was not taken exactly as after a short
// send(). What that saves against a send() per delivery is the system call around each one
// (measured on loopback: half the hub's CPU per delivery at 10 000 subscribers, a third at
// 2 000; bench/results/2026-12-05-uring/).
//
// Ownership: the ring belongs to this object; every entry names a sender (a WriteQueue, or a
// TLS channel with its ciphertext) that cannot go away during a pass (connections are closed
// only after it: Hub::drop_marked, or the failure reports end() makes once nothing is in
// flight). Without liburing at build time, or when the
// kernel refuses io_uring (seccomp, io_uring_disabled), start() says why and the hub sends
// with one send() per delivery.
#pragma once

#include "net/batched_sender.hpp"
#include "net/delivery_batch.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ssehub::net {

class SendBatch final : public DeliveryBatch {
  public:
    SendBatch();
    ~SendBatch();
    SendBatch(const SendBatch&) = delete;
    SendBatch& operator=(const SendBatch&) = delete;

    // Sets up the ring, with `file_slots` registered-file slots (the connection limit); returns
    // an empty string, or why batching is unavailable. Without slots (an old kernel) entries
    // name plain descriptors.
    std::string start(unsigned file_slots, unsigned entries = 512);
    bool enabled() const { return ring_ != nullptr && !broken_; }
    // Between begin() and end(): WriteQueue::push() may hand its write to add().
    bool active() const { return depth_ > 0 && !broken_; }

    void begin() override {
        if (ring_) ++depth_;
    }
    void end() override;

    // A registered-file slot for fd, so that its entries skip the descriptor lookup; -1 when
    // none is free. The slot holds a reference to the socket: release_slot() it when the
    // connection goes away, or the socket stays open.
    int claim_slot(int fd);
    void release_slot(int slot);

    // Queues one non-blocking send of [data, data+size) on `target` (a slot from claim_slot()
    // when `fixed`, else a descriptor) for q; q->on_batch_sent() gets the kernel's answer
    // before end() returns. False: not queued, q should send itself. The bytes must stay put
    // until that answer.
    bool add(BatchedSender* q, int target, bool fixed, const char* data, size_t size);

    // Runs at the end of the outermost pass, before its last submission: output that a
    // protocol gathers per connection (HTTP/2 sessions) is written there, so its sends join
    // the pass instead of following it one send() each. Set once, at start.
    void before_last_submit(std::function<void()> f) { before_last_submit_ = std::move(f); }

    // Sends the kernel has taken from the ring since start; also added to *counter when set
    // (not owned, outlives the batch: /metrics shows that the ring runs).
    uint64_t sends_submitted() const { return sends_submitted_; }
    void count_sends_in(uint64_t* counter) { sends_counter_ = counter; }

    // Test seam: a ring that fails on purpose. Called before each submission with its number
    // (0, 1, ...): a negative errno fails that submission without handing anything over, a
    // positive n lets the kernel take at most n of the prepared entries, 0 submits as usual.
    using SubmitFault = std::function<int(unsigned submission)>;
    void inject_submit_faults(SubmitFault fault) { submit_fault_ = std::move(fault); }

  private:
    struct Ring;
    void submit(bool wait_all);
    int submit_entries();
    void reap();
    void break_ring(int error);

    std::unique_ptr<Ring> ring_;
    unsigned depth_ = 0;
    bool broken_ = false;                     // the kernel stopped taking entries: no more batching
    size_t in_flight_ = 0;                    // submitted, not yet answered
    std::vector<BatchedSender*> unsubmitted_; // prepared entries not yet given to the kernel
    std::vector<BatchedSender*> to_report_;   // told at end(), when nothing is in flight
    std::vector<int> free_slots_;             // registered-file slots not in use
    uint64_t sends_submitted_ = 0;
    uint64_t* sends_counter_ = nullptr;
    SubmitFault submit_fault_;
    std::function<void()> before_last_submit_;
    unsigned submissions_ = 0;
};

} // namespace ssehub::net
