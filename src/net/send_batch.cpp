#include "net/send_batch.hpp"

#include "base/log.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>

#ifdef SSEHUB_HAVE_URING
#include <liburing.h>
#endif

namespace ssehub::net {

#ifdef SSEHUB_HAVE_URING

struct SendBatch::Ring {
    io_uring ring;
};

SendBatch::SendBatch() = default;

SendBatch::~SendBatch() {
    if (ring_) io_uring_queue_exit(&ring_->ring);
}

std::string SendBatch::start(unsigned file_slots, unsigned entries) {
    auto r = std::make_unique<Ring>();
    unsigned flags = 0;
#ifdef IORING_SETUP_SUBMIT_ALL
    flags |= IORING_SETUP_SUBMIT_ALL; // one bad entry must not stop the others
#endif
#ifdef IORING_SETUP_COOP_TASKRUN
    flags |= IORING_SETUP_COOP_TASKRUN; // no interrupt to run completion work: we wait anyway
#endif
    int err = io_uring_queue_init(entries, &r->ring, flags);
    if (err == -EINVAL && flags) err = io_uring_queue_init(entries, &r->ring, 0); // older kernel
    if (err < 0) return std::string("io_uring unavailable: ") + std::strerror(-err);
    // IORING_OP_SEND came with Linux 5.6; an older kernel would answer every entry EINVAL.
    io_uring_probe* probe = io_uring_get_probe_ring(&r->ring);
    bool can_send = probe && io_uring_opcode_supported(probe, IORING_OP_SEND);
    if (probe) io_uring_free_probe(probe);
    if (!can_send) {
        io_uring_queue_exit(&r->ring);
        return "io_uring unavailable: the kernel has no IORING_OP_SEND";
    }
    ring_ = std::move(r);
    unsubmitted_.reserve(entries);
    if (file_slots > 0 && io_uring_register_files_sparse(&ring_->ring, file_slots) == 0) {
        free_slots_.reserve(file_slots);
        for (unsigned i = file_slots; i > 0; --i)
            free_slots_.push_back(static_cast<int>(i - 1));
    }
    return {};
}

int SendBatch::claim_slot(int fd) {
    if (!ring_ || broken_ || free_slots_.empty()) return -1;
    int slot = free_slots_.back();
    if (io_uring_register_files_update(&ring_->ring, static_cast<unsigned>(slot), &fd, 1) != 1)
        return -1;
    free_slots_.pop_back();
    return slot;
}

void SendBatch::release_slot(int slot) {
    if (!ring_ || slot < 0) return;
    int none = -1;
    io_uring_register_files_update(&ring_->ring, static_cast<unsigned>(slot), &none, 1);
    free_slots_.push_back(slot);
}

bool SendBatch::add(BatchedSender* q, int target, bool fixed, const char* data, size_t size) {
    if (!active()) return false;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
    if (!sqe) {
        submit(false);
        // A break during that submission is final: the entries it handed back to libuv may
        // still be published in the ring, and queuing one more would submit them again.
        if (broken_) return false;
        sqe = io_uring_get_sqe(&ring_->ring);
        if (!sqe) return false;
    }
    io_uring_prep_send(sqe, target, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (fixed) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data(sqe, q);
    unsubmitted_.push_back(q);
    return true;
}

// Hands the prepared entries to the kernel and takes the answers there are; with wait_all,
// waits for every answer (sends that did not finish inline, which MSG_DONTWAIT keeps rare and
// short). Entries handed over are never taken back: the kernel may still run them. A ring that
// stops taking entries is given up (break_ring): what it never took is written through libuv.
// After a break nothing is ever submitted again: what was handed back may still sit in the
// submission ring, and only waiting (which submits nothing) is left to do.
void SendBatch::submit(bool wait_all) {
    unsigned stalled = 0;
    while (!broken_ && !unsubmitted_.empty()) {
        int n = submit_entries();
        if (n > 0) {
            size_t taken = std::min<size_t>(static_cast<size_t>(n), unsubmitted_.size());
            in_flight_ += taken;
            sends_submitted_ += taken;
            if (sends_counter_) *sends_counter_ += taken;
            unsubmitted_.erase(unsubmitted_.begin(),
                               unsubmitted_.begin() + static_cast<std::ptrdiff_t>(taken));
            stalled = 0;
        } else if (n != -EINTR) {
            bool transient = n == 0 || n == -EAGAIN || n == -EBUSY; // completions first
            if (!transient || ++stalled > 100) {
                break_ring(n < 0 ? -n : EAGAIN);
                break;
            }
        }
        reap();
    }
    while (wait_all && in_flight_ > 0) {
        io_uring_cqe* cqe;
        int r = io_uring_wait_cqe(&ring_->ring, &cqe);
        if (r < 0 && r != -EINTR && r != -EAGAIN) {
            // Sends are in the kernel's hands and their answer cannot be had: going on would
            // risk writing a frame twice or not at all. Let the service manager restart us.
            log::error(std::string("io_uring: cannot wait for sends in flight: ") +
                       std::strerror(-r));
            std::abort();
        }
        reap();
    }
}

int SendBatch::submit_entries() {
    int fault = submit_fault_ ? submit_fault_(submissions_++) : 0;
    if (fault < 0) return fault;
    if (fault == 0) return io_uring_submit(&ring_->ring);
    // Publish every prepared entry, as io_uring_submit() does, but let the kernel take only
    // `fault` of them: the rest stay in the ring, as when the kernel runs short.
    io_uring_sq& sq = ring_->ring.sq;
    io_uring_smp_store_release(sq.ktail, sq.sqe_tail);
    sq.sqe_head = sq.sqe_tail;
    unsigned ready = sq.sqe_tail - io_uring_smp_load_acquire(sq.khead);
    return io_uring_enter(static_cast<unsigned>(ring_->ring.ring_fd),
                          std::min(ready, static_cast<unsigned>(fault)), 0, 0, nullptr);
}

// No more entries: the ring is kept only so registered slots can still be released.
void SendBatch::break_ring(int error) {
    if (broken_) return;
    broken_ = true;
    log::error(std::string("io_uring stopped taking sends (") + std::strerror(error) +
               "); fan-out goes on with one send() per delivery");
    std::vector<BatchedSender*> left;
    left.swap(unsubmitted_);
    for (BatchedSender* q : left)
        if (q->on_batch_sent(-EAGAIN)) to_report_.push_back(q);
}

void SendBatch::reap() {
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_->ring, head, cqe) {
        auto* q = static_cast<BatchedSender*>(io_uring_cqe_get_data(cqe));
        if (q->on_batch_sent(cqe->res)) to_report_.push_back(q);
        ++seen;
    }
    io_uring_cq_advance(&ring_->ring, seen);
    in_flight_ -= std::min<size_t>(in_flight_, seen);
}

void SendBatch::end() {
    if (!ring_ || depth_ == 0) return;
    // Still inside the pass: what the hook writes is added to it.
    if (depth_ == 1 && before_last_submit_ && !broken_) before_last_submit_();
    if (--depth_ > 0) return;
    submit(true);
    std::vector<BatchedSender*> reports;
    reports.swap(to_report_);
    for (BatchedSender* q : reports)
        q->report();
}

#else // no liburing at build time

struct SendBatch::Ring {};
SendBatch::SendBatch() = default;
SendBatch::~SendBatch() = default;
std::string SendBatch::start(unsigned, unsigned) {
    return "io_uring unavailable: built without liburing";
}
int SendBatch::claim_slot(int) {
    return -1;
}
void SendBatch::release_slot(int) {}
bool SendBatch::add(BatchedSender*, int, bool, const char*, size_t) {
    return false;
}
void SendBatch::end() {}
void SendBatch::submit(bool) {}
int SendBatch::submit_entries() {
    return 0;
}
void SendBatch::reap() {}
void SendBatch::break_ring(int) {}

#endif

} // namespace ssehub::net
