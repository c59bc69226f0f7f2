#include "net/send_batch.hpp"

#include "net/write_queue.hpp"

#include <cerrno>
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
    if (!ring_ || free_slots_.empty()) return -1;
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

bool SendBatch::add(WriteQueue* q, int target, bool fixed, const char* data, size_t size) {
    if (!ring_ || depth_ == 0) return false;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
    if (!sqe) {
        submit(false);
        sqe = io_uring_get_sqe(&ring_->ring);
        if (!sqe) return false;
    }
    io_uring_prep_send(sqe, target, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (fixed) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data(sqe, q);
    unsubmitted_.push_back(q);
    ++entries_;
    return true;
}

// Hands the prepared entries to the kernel and takes the answers there are (all of them, for
// wait_all). An entry the kernel could not take at all is answered as EAGAIN: the queue then
// writes it through libuv, which always works.
void SendBatch::submit(bool wait_all) {
    while (!unsubmitted_.empty() || (wait_all && in_flight_ > 0)) {
        size_t want = unsubmitted_.size();
        int n = wait_all ? io_uring_submit_and_wait(&ring_->ring,
                                                    static_cast<unsigned>(in_flight_ + want))
                         : io_uring_submit(&ring_->ring);
        if (n >= 0) {
            size_t taken = std::min<size_t>(static_cast<size_t>(n), want);
            in_flight_ += taken;
            unsubmitted_.erase(unsubmitted_.begin(),
                               unsubmitted_.begin() + static_cast<std::ptrdiff_t>(taken));
            reap();
            if (!wait_all && unsubmitted_.empty()) return;
            if (n == 0 && want > 0) { // the kernel took nothing: stop asking
                abandon_unsubmitted();
                return;
            }
            continue;
        }
        if (n == -EINTR) continue;
        if (n == -EAGAIN || n == -EBUSY) { // completions first, then room again
            reap();
            if (in_flight_ == 0) abandon_unsubmitted();
            continue;
        }
        abandon_unsubmitted();
        reap();
        return;
    }
}

void SendBatch::reap() {
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_->ring, head, cqe) {
        auto* q = static_cast<WriteQueue*>(io_uring_cqe_get_data(cqe));
        if (q->on_batch_sent(cqe->res)) failed_.push_back(q);
        ++seen;
    }
    io_uring_cq_advance(&ring_->ring, seen);
    in_flight_ -= std::min<size_t>(in_flight_, seen);
}

// Entries prepared but never submitted: rewind the ring's tail over them and let each queue
// write its frame through libuv instead.
void SendBatch::abandon_unsubmitted() {
    ring_->ring.sq.sqe_tail = ring_->ring.sq.sqe_head;
    std::vector<WriteQueue*> left;
    left.swap(unsubmitted_);
    for (WriteQueue* q : left)
        if (q->on_batch_sent(-EAGAIN)) failed_.push_back(q);
}

void SendBatch::end() {
    if (!ring_ || depth_ == 0 || --depth_ > 0) return;
    ++passes_;
    submit(true);
    std::vector<WriteQueue*> failed;
    failed.swap(failed_);
    for (WriteQueue* q : failed)
        q->report_failure();
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
bool SendBatch::add(WriteQueue*, int, bool, const char*, size_t) {
    return false;
}
void SendBatch::end() {}
void SendBatch::submit(bool) {}
void SendBatch::reap() {}
void SendBatch::abandon_unsubmitted() {}

#endif

} // namespace ssehub::net
