#include "net/write_queue.hpp"

#include "net/send_batch.hpp"

#include <cerrno>
#include <new>
#include <sys/socket.h>

namespace ssehub::net {

WriteQueue::~WriteQueue() {
    if (slot_ >= 0) batch_->release_slot(slot_); // else the socket outlives its connection
    clear_frames();
    slots_.one.~FrameRef();
}

void WriteQueue::push_frame(const net::FrameRef& f) {
    if (cap_log_ == 0 && count_ == 0) {
        slots_.one = f;
        count_ = 1;
        return;
    }
    if (count_ == (cap_log_ == 0 ? 1u : cap())) { // full: a ring twice the size, oldest first
        uint8_t log = cap_log_ == 0 ? 2 : static_cast<uint8_t>(cap_log_ + 1);
        auto* ring = new net::FrameRef[size_t{1} << log];
        for (uint32_t i = 0; i < count_; ++i)
            ring[i] = std::move(frame(i));
        if (cap_log_ == 0)
            slots_.one.~FrameRef();
        else
            delete[] slots_.ring;
        slots_.ring = ring;
        cap_log_ = log & 31;
        head_ = 0;
    }
    frame(count_) = f;
    ++count_;
}

void WriteQueue::pop_frame() {
    frame(0) = net::FrameRef();
    if (cap_log_ != 0) head_ = (head_ + 1) & (cap() - 1);
    --count_;
}

void WriteQueue::clear_frames() {
    while (count_ > 0)
        pop_frame();
    head_ = 0;
    if (cap_log_ != 0) {
        delete[] slots_.ring;
        new (&slots_.one) net::FrameRef();
        cap_log_ = 0;
    }
}

int WriteQueue::descriptor() {
    if (fd_ < 0) {
        uv_os_fd_t fd;
        if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream_), &fd) == 0) fd_ = fd;
    }
    return fd_;
}

// The hot path of a delivery outside a batch. send() on the socket skips the VFS write path
// that uv_try_write's write() takes; the result is read the same way (bytes taken, or
// UV_EAGAIN, or a libuv error).
int WriteQueue::try_send(const char* data, size_t size) {
    if (descriptor() < 0) {
        uv_buf_t buf = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(size));
        return uv_try_write(stream_, &buf, 1);
    }
#ifdef MSG_NOSIGNAL
    constexpr int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
#else
    constexpr int flags = MSG_DONTWAIT; // SIGPIPE is ignored process-wide
#endif
    for (;;) {
        ssize_t n = ::send(fd_, data, size, flags);
        if (n >= 0) return static_cast<int>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return UV_EAGAIN;
        return -errno;
    }
}

int WriteQueue::push(const net::FrameRef& frame) {
    if (failed_) return UV_EPIPE;
    size_t size = frame->size();
    if (size == 0) return 0;
    size_t written = 0;
    if (!writing_ && !in_batch_ && count_ == 0) {
        head_offset_ = 0;
        if (batch_ && batch_->active() && descriptor() >= 0) {
            push_frame(frame);
            queued_bytes_ += size;
            in_batch_ = true;
            if (!slot_claimed_) {
                slot_claimed_ = true;
                slot_ = batch_->claim_slot(fd_);
            }
            bool fixed = slot_ >= 0;
            if (batch_->add(this, fixed ? slot_ : fd_, fixed, frame->data(), size)) return 0;
            in_batch_ = false; // the batch is full and cannot submit: send it ourselves
            pop_frame();
            queued_bytes_ -= size;
        }
        int r = try_send(frame->data(), size);
        if (r == static_cast<int>(size)) return 0;
        if (r < 0 && r != UV_EAGAIN) {
            failed_ = true;
            return r;
        }
        written = r > 0 ? static_cast<size_t>(r) : 0;
        head_offset_ = static_cast<uint32_t>(written);
    }
    push_frame(frame);
    queued_bytes_ += size - written;
    if (!writing_ && !in_batch_) start_write();
    return failed_ ? UV_EPIPE : 0;
}

bool WriteQueue::on_batch_sent(int result) {
    in_batch_ = false;
    if (result >= 0) {
        auto n = static_cast<size_t>(result);
        size_t left = frame(0)->size() - head_offset_;
        queued_bytes_ -= n;
        if (n >= left) {
            pop_frame();
            head_offset_ = 0;
        } else {
            head_offset_ += static_cast<uint32_t>(n);
        }
    } else if (result != -EAGAIN && result != -EWOULDBLOCK && result != -EINTR) {
        failed_ = true;
        error_ = static_cast<int16_t>(result); // libuv errors are negated errno on Unix
        return true;
    }
    if (count_ == 0) {
        clear_frames();
        return false;
    }
    start_write(); // the rest waits for the socket, as after a short send()
    if (failed_) error_ = UV_EPIPE;
    return failed_;
}

void WriteQueue::report() {
    on_done_(owner_, error_ != 0 ? int{error_} : int{UV_EPIPE});
}

void WriteQueue::gather(const char* data, size_t len) {
    if (!gathered_) gathered_ = std::make_unique<std::string>();
    gathered_->append(data, len);
}

int WriteQueue::flush() {
    if (!gathered_ || gathered_->empty()) return failed_ ? UV_EPIPE : 0;
    net::FrameRef frame = net::Frame::copy_of(*gathered_);
    gathered_->clear();
    return push(frame);
}

void WriteQueue::start_write() {
    uv_buf_t bufs[max_bufs_per_write];
    size_t n = 0;
    for (uint32_t i = 0; i < count_ && n < max_bufs_per_write; ++i, ++n) {
        const net::FrameRef& f = frame(i);
        size_t skip = (i == 0) ? head_offset_ : 0;
        bufs[n] = uv_buf_init(const_cast<char*>(f->data()) + skip,
                              static_cast<unsigned>(f->size() - skip));
    }
    if (!req_) req_ = std::make_unique<uv_write_t>();
    req_->data = this;
    int r = uv_write(req_.get(), stream_, bufs, static_cast<unsigned>(n), on_write);
    if (r != 0) {
        req_.reset();
        failed_ = true;
        return;
    }
    writing_ = true;
    in_flight_ = n & 127; // n <= max_bufs_per_write
}

void WriteQueue::on_write(uv_write_t* req, int status) noexcept {
    auto* q = static_cast<WriteQueue*>(req->data);
    q->writing_ = false;
    if (status < 0) {
        q->failed_ = true;
        q->on_done_(q->owner_, status);
        return;
    }
    for (size_t i = 0; i < q->in_flight_; ++i) {
        size_t skip = (i == 0) ? q->head_offset_ : 0;
        q->queued_bytes_ -= q->frame(0)->size() - skip;
        q->pop_frame();
    }
    q->head_offset_ = 0;
    q->in_flight_ = 0;
    if (q->count_ == 0) {
        q->clear_frames(); // the backlog's ring goes with it
        q->req_.reset();
        q->on_done_(q->owner_, 0);
        return;
    }
    q->start_write();
    if (q->failed_) q->on_done_(q->owner_, UV_EPIPE);
}

} // namespace ssehub::net
