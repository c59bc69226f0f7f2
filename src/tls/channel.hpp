// Layer tls/ (a transport): TLS on a socket. Includes app/ and below; used by http1/.
//
// TLS on one connection, driven from the libuv loop: OpenSSL never touches the socket. Input:
// the connection hands over what it read, it goes into a memory BIO, and the handshake or
// SSL_read turns it into plaintext for the owner. Output: plaintext is sealed into records by
// SSL_write into an output BIO that only appends to a buffer; the buffer is written like the
// plain path writes frames: inside a fan-out pass it joins the pass's io_uring submission
// (net::SendBatch), else send() first; uv_write of the rest. Every subscriber's bytes are its
// own here (its own keys), so queued output is ciphertext, bounded by the owner. A frame is
// encrypted once per connection, into this connection's buffer, whose capacity is kept between
// writes: no allocation per delivery.
#pragma once

#include "net/batched_sender.hpp"
#include "net/transport.hpp"
#include "tls/channel_owner.hpp"

#include <openssl/ssl.h>
#include <string>
#include <string_view>
#include <uv.h>

namespace ssehub::net {
class SendBatch;
}

namespace ssehub::tls {

class Channel final : public net::Transport, public net::BatchedSender {
  public:
    enum class Input {
        Ok,         // carry on reading
        PeerClosed, // close_notify received
        NotTls,     // the first bytes were not a TLS handshake (plaintext HTTP, say)
        Failed,     // handshake failure or bad record; an alert may be queued: flush, close
    };

    // `batch` (may be null, not owned, outlives the channel): see net::WriteQueue.
    Channel(SSL_CTX* ctx, uv_stream_t* stream, ChannelOwner& owner, OnDone on_done,
            void* done_owner, net::SendBatch* batch = nullptr);
    ~Channel() override;
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    Input receive(const char* data, size_t len);
    bool handshake_done() const { return handshake_done_; }
    // Why receive() failed, for the log.
    const std::string& error() const { return error_; }
    // Queues a close_notify alert (once) and flushes it.
    void close_notify();

    // net::Transport. push() encrypts straight from the shared frame; gather() collects small
    // pieces into one record so framing of many streams does not cost a record each.
    int push(const net::FrameRef& frame) override;
    void gather(const char* data, size_t len) override;
    int flush() override;
    size_t queued_bytes() const override {
        return record_.size() + cipher_.size() + in_flight_.size();
    }
    bool failed() const override { return failed_; }

    // net::BatchedSender: the answer to the send of in_flight_ made through the batch.
    bool on_batch_sent(int result) override;
    void report() override;

  private:
    static int on_bio_write(BIO* bio, const char* data, int len) noexcept;
    static long on_bio_ctrl(BIO* bio, int cmd, long num, void* ptr) noexcept;
    static void on_write(uv_write_t* req, int status) noexcept;

    void seal();
    int write_out();
    bool add_to_batch();
    int write_in_flight(size_t skip);
    int descriptor();
    void fail(std::string reason);

    static constexpr size_t record_bytes = 16 * 1024;

    SSL* ssl_ = nullptr;
    BIO* in_ = nullptr;   // memory BIO; owned by ssl_ once attached
    uv_stream_t* stream_; // not owned: the connection's handle
    ChannelOwner& owner_;
    OnDone on_done_;
    void* done_owner_;
    std::string record_;    // gathered plaintext, sealed at record_bytes or at flush()
    std::string cipher_;    // ciphertext not yet handed to libuv
    std::string in_flight_; // ciphertext held by the pending uv_write or the batch's send
    std::string error_;
    uv_write_t req_;
    net::SendBatch* batch_;
    int fd_ = -1;   // the socket, looked up at the first batched write
    int slot_ = -1; // its registered-file slot in batch_, claimed then
    int error_code_ = 0;
    bool slot_claimed_ = false;
    bool in_batch_ = false; // in_flight_ is with the SendBatch
    bool writing_ = false;
    bool failed_ = false;
    bool seen_input_ = false;
    bool handshake_done_ = false;
    bool notify_sent_ = false;
};

} // namespace ssehub::tls
