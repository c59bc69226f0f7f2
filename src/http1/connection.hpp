// Layer http1/ (a transport): where a byte enters. The HTTP/1.1 connection (llhttp,
// pipelining, the TLS glue, the switch to h2/); requests go to app/, frames go out through net/.
// Includes h2/, tls/, app/ and below.
//
// One client connection and its state machine:
//   Reading  -> (request complete) -> respond -> Reading (keep-alive)        ... or
//   Reading  -> (publish)          -> awaiting the sink's answer -> respond -> Reading
//   Reading  -> (subscription)     -> Streaming (a hub Subscriber until it closes)
//   Reading  -> (TLS handshake agreed on "h2") -> Http2 (an h2::Session owns the streams)
//   any      -> Lingering (FIN sent, draining input briefly) -> closed
// While a publish awaits its answer (Redis), pipelined input waits in held_input_ (bounded),
// so answers keep the order of the requests. It waits there too, until the next loop turn,
// once the requests handled from one read were worth a fan-out to thousands: one publisher's
// burst then cannot keep every other connection and timer waiting until it is all done. And it
// waits there while the connection's unsent output is over pipelined_output_limit: a client
// that pipelines requests without reading the answers holds about that much, not one answer
// per request it sent.
// Bytes leave through a net::Transport: the plain WriteQueue, or a tls::Channel on a TLS
// listener (then input is decrypted before it is parsed). A Connection is created on accept
// and freed only in its uv_close callback; close() is idempotent and every error path reaches
// it.
#pragma once

#include "app/responder.hpp"
#include "h2/session.hpp"
#include "http1/request_reader.hpp"
#include "net/flush_list.hpp"
#include "net/transport.hpp"
#include "sse/event_sink.hpp"
#include "sse/subscriber.hpp"
#include "tls/channel_owner.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <uv.h>
#include <vector>

namespace ssehub::tls {
class Channel;
}
namespace ssehub::app {
class Application;
}

namespace ssehub::http1 {

class ConnectionSet;
struct ConnectionList;

class Connection final : public sse::Subscriber,
                         public app::Responder,
                         public sse::PublishWaiter,
                         private tls::ChannelOwner,
                         private h2::SessionHost,
                         private net::Flushable {
  public:
    // Pipelined requests are answered while the unsent output is at most this; past it, the
    // rest of the input waits until the output has drained (then reading resumes too).
    static constexpr size_t pipelined_output_limit = 64 * 1024;

    // Accepts one pending connection from `server` (a listener's handle) into `set`; `tls`:
    // the listener speaks TLS (set.tls() is set).
    static void accept(uv_stream_t* server, bool is_unix, ConnectionSet& set, bool tls);
    // A stream taken over from the previous process (connection_handover.cpp).
    static bool adopt(int fd, ConnectionSet& set, sse::Subscription state);

    // sse::Subscriber: the hub's narrow view.
    bool send(const net::FrameRef& frame) override;
    size_t queued_bytes() const override { return out_->queued_bytes(); }
    void drop(sse::DropReason reason) override;

    // Responder. respond() closes after the answer unless keep-alive; reject() keeps the
    // connection for the next request unless `close` (input not trusted).
    void respond(int status, std::string_view content_type, std::string_view body,
                 std::string_view extra_headers = {}, app::Cors cors = app::Cors::Allow) override;
    void reject(int status, metrics::Rejected kind, std::string_view reason,
                std::string_view extra_headers = {}, bool close = false) override;
    // Responder: the answer (Application::answer_publish) may come later; until then later
    // requests wait.
    void publish(sse::EventSink& sink, const sse::PublishRequest& request) override;
    // sse::PublishWaiter: the sink's answer to publish().
    void on_published(const sse::PublishOutcome& outcome) override;
    // Turns this connection into a subscriber.
    void start_stream(sse::Subscription subscription) override;
    // Stops reading new requests, flushes what is queued, then closes. Idempotent.
    void finish();
    // Closes now; queued output is dropped. Idempotent.
    void close();

    bool is_unix() const override { return is_unix_; }
    bool is_streaming() const { return state_ == State::Streaming; }
    bool is_tls() const { return tls_ != nullptr; }
    bool peer_address(sockaddr_storage& out) const override;

  private:
    enum class State : uint8_t { Reading, Streaming, Http2, Lingering, Closed };

    friend class ConnectionSet;
    friend struct ConnectionList;

    Connection(ConnectionSet& set, bool is_unix, bool tls);
    ~Connection();

    static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept;
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;
    static void on_write_done(void* self, int status) noexcept;
    static void on_shutdown(uv_shutdown_t* req, int status) noexcept;

    void refuse_for_descriptors();
    void receive(const char* data, size_t len);
    void refuse_plaintext(const char* data, size_t len);
    void handle_input(const char* data, size_t len);
    void hold_input(const char* data, size_t len);
    void yield_input(const char* data, size_t len);
    void backlog_input(const char* data, size_t len);
    void set_aside(const char* data, size_t len);
    void on_output_drained();
    void handle_held_input();
    void resume_reading_if_wanted();
    // net::Flushable: the next loop turn goes on with input set aside by yield_input().
    void flush_now() override;
    void pause_reading();
    void handle_request();
    void wait_for_request(); // (re)starts the request timer
    void linger();
    void cancel_awaiting();
    void close_after_output();
    // ConnectionSet's passes: the deadline passed; the hub is shutting down.
    void on_deadline(uint64_t now_ms);
    void finish_for_shutdown();

    // tls::ChannelOwner
    bool on_handshake(std::string_view alpn) override;
    bool on_plaintext(const char* data, size_t len) override;
    // h2::SessionHost
    net::Transport& transport() override { return *out_; }
    void on_streams_changed(size_t open, uint64_t request_deadline_ms) override;
    void on_session_over() override { close_after_output(); }

    void list_insert(ConnectionList& list);
    void list_remove();

    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_handle_t handle;
        uv_stream_t stream;
    } h_;
    ConnectionSet& set_;
    app::Application& app_;
    std::unique_ptr<net::Transport> out_;     // WriteQueue, or the TLS channel
    tls::Channel* tls_ = nullptr;             // out_ when this connection speaks TLS (not owned)
    std::unique_ptr<h2::Session> h2_;         // only in State::Http2 (and until freed)
    std::unique_ptr<RequestReader> reader_;   // only while reading requests
    sse::PendingPublish* awaiting_ = nullptr; // owned by the sink; cancelled if we close first
    std::string held_input_;                  // pipelined input set aside, from held_from_ on
    size_t held_from_ = 0;
    std::string* replaying_ = nullptr; // handle_held_input()'s input, while it goes through it
    ConnectionList* list_ = nullptr;   // the set_ list this connection is on, if any
    Connection* list_prev = nullptr;   // its hooks in that list
    Connection* list_next = nullptr;
    uint64_t deadline_ms_ = 0;
    State state_ = State::Reading;
    bool is_unix_;
    bool finish_after_write_ = false;
    bool reading_paused_ = false;
    bool yielded_ = false; // held_input_ waits for the next loop turn (flush list), not a publish
    bool backlogged_ = false; // held_input_ waits for the output to drain
    uint32_t work_ = 0;       // requests and deliveries handled from the current read
};

} // namespace ssehub::http1
