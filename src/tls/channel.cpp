#include "tls/channel.hpp"

#include "net/send_batch.hpp"

#include <cerrno>
#include <openssl/err.h>

namespace ssehub::tls {

namespace {

// A TLS record begins with content type 22 (handshake) when a client says hello.
constexpr unsigned char handshake_record = 0x16;

// Plaintext is handed to the owner before receive() returns: one buffer serves every channel.
char plaintext_buffer[16 * 1024];

// Output buffers keep their capacity between writes, unless a burst made them large: mostly
// idle subscribers should not each hold a big block.
constexpr size_t keep_capacity = 16 * 1024;

void release_if_large(std::string& s) {
    if (s.capacity() > keep_capacity) std::string().swap(s);
}

// SSL_free_buffers() freed a read buffer holding a record's header while its body was still to
// come before 3.0.14, 3.1.6, 3.2.2 and 3.3.1 (CVE-2024-4741): with those the buffer stays.
bool free_buffers_is_safe() {
    static const bool safe = [] {
        unsigned long v = OpenSSL_version_num(); // 0xMNN00PP0
        unsigned long major = v >> 28, minor = (v >> 20) & 0xff, patch = (v >> 4) & 0xff;
        if (major != 3) return major > 3;
        switch (minor) {
        case 0:
            return patch >= 14;
        case 1:
            return patch >= 6;
        case 2:
            return patch >= 2;
        case 3:
            return patch >= 1;
        default:
            return true;
        }
    }();
    return safe;
}

std::string openssl_reason(int ssl_error) {
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    if (e != 0) {
        const char* reason = ERR_reason_error_string(e);
        if (reason) return reason;
    }
    if (ssl_error == SSL_ERROR_SYSCALL) return "unexpected end of input";
    return "TLS error " + std::to_string(ssl_error);
}

} // namespace

Channel::Channel(SSL_CTX* ctx, uv_stream_t* stream, ChannelOwner& owner, OnDone on_done,
                 void* done_owner, net::SendBatch* batch)
    : stream_(stream), owner_(owner), on_done_(on_done), done_owner_(done_owner), batch_(batch) {
    // One method for every channel: an output BIO that appends to this channel's buffer.
    static BIO_METHOD* const m = [] {
        BIO_METHOD* method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ssehub");
        BIO_meth_set_write(method, on_bio_write);
        BIO_meth_set_ctrl(method, on_bio_ctrl);
        return method;
    }();
    ssl_ = SSL_new(ctx);
    in_ = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(m);
    if (!ssl_ || !in_ || !out) {
        BIO_free(in_);
        BIO_free(out);
        in_ = nullptr;
        fail("cannot allocate a TLS session");
        return;
    }
    BIO_set_data(out, this);
    BIO_set_init(out, 1);
    // An empty memory BIO reads as "try again later", not as end of file.
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out);
    SSL_set_accept_state(ssl_);
    req_.data = this;
}

Channel::~Channel() {
    SSL_free(ssl_);                              // frees both BIOs
    if (slot_ >= 0) batch_->release_slot(slot_); // else the socket outlives its connection
}

int Channel::descriptor() {
    if (fd_ < 0) {
        uv_os_fd_t fd;
        if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream_), &fd) == 0) fd_ = fd;
    }
    return fd_;
}

void Channel::fail(std::string reason) {
    failed_ = true;
    if (error_.empty()) error_ = std::move(reason);
}

int Channel::on_bio_write(BIO* bio, const char* data, int len) noexcept {
    auto* ch = static_cast<Channel*>(BIO_get_data(bio));
    try {
        ch->cipher_.append(data, static_cast<size_t>(len));
    } catch (const std::exception&) { // never through OpenSSL: the write fails instead
        return -1;
    }
    return len;
}

long Channel::on_bio_ctrl(BIO*, int cmd, long, void*) noexcept {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0; // writes are buffered here; write_out() sends them
}

Channel::Input Channel::receive(const char* data, size_t len) {
    if (failed_ || !ssl_) return Input::Failed;
    if (!seen_input_ && len > 0) {
        seen_input_ = true;
        if (static_cast<unsigned char>(data[0]) != handshake_record) return Input::NotTls;
    }
    if (BIO_write(in_, data, static_cast<int>(len)) != static_cast<int>(len)) {
        fail("out of memory");
        return Input::Failed;
    }
    if (!handshake_done_) {
        int r = SSL_do_handshake(ssl_);
        if (r != 1) {
            int err = SSL_get_error(ssl_, r);
            if (err == SSL_ERROR_WANT_READ) {
                write_out(); // our flight of the handshake
                return failed_ ? Input::Failed : Input::Ok;
            }
            error_ = openssl_reason(err);
            write_out(); // the alert, if any
            failed_ = true;
            return Input::Failed;
        }
        handshake_done_ = true;
        const unsigned char* alpn = nullptr;
        unsigned alpn_len = 0;
        SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
        if (!owner_.on_handshake({reinterpret_cast<const char*>(alpn), alpn_len})) return Input::Ok;
    }
    for (;;) {
        int n = SSL_read(ssl_, plaintext_buffer, sizeof plaintext_buffer);
        if (n > 0) {
            if (!owner_.on_plaintext(plaintext_buffer, static_cast<size_t>(n))) return Input::Ok;
            continue;
        }
        int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_WANT_READ) break;
        if (err == SSL_ERROR_ZERO_RETURN) {
            write_out();
            return Input::PeerClosed;
        }
        error_ = openssl_reason(err);
        write_out();
        failed_ = true;
        return Input::Failed;
    }
    write_out(); // session tickets, key updates
    // SSL_read that found nothing more keeps its 17 KiB read buffer (RELEASE_BUFFERS frees it
    // only inside a read that emptied it): an idle subscriber would hold one for good. Freed
    // here unless a record is still partly read.
    if (free_buffers_is_safe()) SSL_free_buffers(ssl_);
    return failed_ ? Input::Failed : Input::Ok;
}

void Channel::close_notify() {
    if (notify_sent_ || failed_ || !handshake_done_) return;
    notify_sent_ = true;
    seal();
    SSL_shutdown(ssl_); // writes our close_notify; we do not wait for the peer's
    ERR_clear_error();
    write_out();
}

int Channel::push(const net::FrameRef& frame) {
    if (failed_) return UV_EPIPE;
    seal(); // whatever was gathered goes first
    if (frame->size() > 0 && SSL_write(ssl_, frame->data(), static_cast<int>(frame->size())) <= 0) {
        fail(openssl_reason(SSL_ERROR_SSL));
        return UV_EPIPE;
    }
    return write_out();
}

void Channel::gather(const char* data, size_t len) {
    if (failed_) return;
    record_.append(data, len);
    if (record_.size() >= record_bytes) seal();
}

int Channel::flush() {
    if (failed_) return UV_EPIPE;
    seal();
    return write_out();
}

void Channel::seal() {
    if (record_.empty() || failed_) return;
    if (SSL_write(ssl_, record_.data(), static_cast<int>(record_.size())) <= 0)
        fail(openssl_reason(SSL_ERROR_SSL));
    record_.clear();
}

int Channel::write_out() {
    if (failed_ && cipher_.empty()) return UV_EPIPE;
    if (writing_ || in_batch_ || cipher_.empty()) return failed_ ? UV_EPIPE : 0;
    if (add_to_batch()) return failed_ ? UV_EPIPE : 0;
    uv_buf_t buf = uv_buf_init(cipher_.data(), static_cast<unsigned>(cipher_.size()));
    int r = uv_try_write(stream_, &buf, 1);
    if (r < 0 && r != UV_EAGAIN) {
        cipher_.clear();
        fail(uv_strerror(r));
        return r;
    }
    size_t written = r > 0 ? static_cast<size_t>(r) : 0;
    if (written == cipher_.size()) {
        cipher_.clear();
        release_if_large(cipher_);
        return failed_ ? UV_EPIPE : 0;
    }
    in_flight_.swap(cipher_);
    return write_in_flight(written);
}

// Inside a fan-out pass the ciphertext goes with the pass's other sends (one io_uring
// submission for many connections); the buffer is lent to the kernel until end() answers,
// and what is sealed meanwhile collects in cipher_.
bool Channel::add_to_batch() {
    if (!batch_ || !batch_->active() || descriptor() < 0) return false;
    if (!slot_claimed_) {
        slot_claimed_ = true;
        slot_ = batch_->claim_slot(fd_);
    }
    in_flight_.swap(cipher_); // in_flight_ is empty: nothing is being written
    bool fixed = slot_ >= 0;
    if (batch_->add(this, fixed ? slot_ : fd_, fixed, in_flight_.data(), in_flight_.size())) {
        in_batch_ = true;
        return true;
    }
    in_flight_.swap(cipher_);
    return false;
}

bool Channel::on_batch_sent(int result) {
    in_batch_ = false;
    size_t taken = 0;
    if (result >= 0) {
        taken = static_cast<size_t>(result);
    } else if (result != -EAGAIN && result != -EWOULDBLOCK && result != -EINTR) {
        in_flight_.clear();
        fail(uv_strerror(result)); // libuv errors are negated errno on Unix
        error_code_ = result;
        return true;
    }
    if (taken >= in_flight_.size()) {
        // An owner that stopped at its high-water mark (an HTTP/2 session) waits to hear that
        // the output drained, as uv_write's completion would tell it; one event's record does
        // not need that, a run of records may.
        bool tell_owner = in_flight_.size() >= record_bytes;
        in_flight_.clear();
        if (cipher_.empty()) {
            release_if_large(in_flight_);
            return tell_owner;
        }
        in_flight_.swap(cipher_); // sealed during the pass: follows at once
        taken = 0;
    }
    // The rest waits for the socket, as after a short send().
    int r = write_in_flight(taken);
    if (r < 0) error_code_ = r;
    return r < 0;
}

void Channel::report() {
    if (!failed_) {
        on_done_(done_owner_, 0); // drained, or its rest is with uv_write (which tells again)
        return;
    }
    on_done_(done_owner_, error_code_ ? error_code_ : UV_EPIPE);
}

// uv_write of in_flight_ from `skip` on; cipher_ follows when it completes.
int Channel::write_in_flight(size_t skip) {
    if (skip > 0) in_flight_.erase(0, skip);
    uv_buf_t buf = uv_buf_init(in_flight_.data(), static_cast<unsigned>(in_flight_.size()));
    int r = uv_write(&req_, stream_, &buf, 1, on_write);
    if (r != 0) {
        in_flight_.clear();
        fail(uv_strerror(r));
        return r;
    }
    writing_ = true;
    return 0;
}

void Channel::on_write(uv_write_t* req, int status) noexcept {
    auto* ch = static_cast<Channel*>(req->data);
    ch->writing_ = false;
    ch->in_flight_.clear();
    release_if_large(ch->in_flight_);
    if (status < 0) {
        ch->fail(uv_strerror(status));
        ch->on_done_(ch->done_owner_, status);
        return;
    }
    if (!ch->cipher_.empty()) {
        int r = ch->write_out();
        if (r < 0) {
            ch->on_done_(ch->done_owner_, r);
            return;
        }
        if (ch->writing_) return; // its completion reports
    }
    if (ch->record_.empty()) ch->on_done_(ch->done_owner_, 0);
}

} // namespace ssehub::tls
