// One client connection and its state machine:
//   Reading  -> (request complete) -> respond -> Reading (keep-alive)        ... or
//   Reading  -> (publish)          -> awaiting the sink's answer -> respond -> Reading
//   Reading  -> (subscription)     -> Streaming (a hub Subscriber until it closes)
//   any      -> Lingering (FIN sent, draining input briefly) -> closed
// While a publish awaits its answer (Redis), pipelined input waits in held_input_ (bounded),
// so answers keep the order of the requests.
// A Connection is created on accept and freed only in its uv_close callback; close() is
// idempotent and every error path reaches it.
#pragma once

#include "http/context.hpp"
#include "http/request_reader.hpp"
#include "net/write_queue.hpp"
#include "sse/event_sink.hpp"
#include "sse/subscriber.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <uv.h>
#include <vector>

namespace ssehub::http {

class Connection final : public sse::Subscriber, public sse::PublishWaiter {
  public:
    // Accepts one pending connection from `server` (a listener's handle).
    static void accept(uv_stream_t* server, bool is_unix, Context& ctx);

    // sse::Subscriber: the hub's narrow view.
    bool send(const sse::FrameRef& frame) override;
    size_t queued_bytes() const override { return out_.queued_bytes(); }
    void drop(sse::DropReason reason) override;

    // Queues a whole response (CORS headers added) and, unless keep-alive, closes after it.
    void respond(int status, std::string_view content_type, std::string_view body,
                 std::string_view extra_headers = {});
    // Refuses the request: counts it, logs it and answers `status` with a one-line reason.
    // The connection stays open for the next request unless `close` (input not trusted).
    void reject(int status, metrics::Rejected kind, std::string_view reason,
                std::string_view extra_headers = {}, bool close = false);
    // Hands a validated event to the sink; the answer (router's answer_publish) may come later.
    void publish(sse::EventSink& sink, const sse::PublishRequest& request);
    // sse::PublishWaiter: the sink's answer to publish().
    void on_published(const sse::PublishOutcome& outcome) override;
    // Turns this connection into a subscriber.
    void start_stream(std::vector<std::string> topics, const std::string* resume);
    // Stops reading new requests, flushes what is queued, then closes. Idempotent.
    void finish();
    // Closes now; queued output is dropped. Idempotent.
    void close();

    bool is_unix() const { return is_unix_; }
    bool is_streaming() const { return state_ == State::Streaming; }
    // The peer's address (TCP only), written into `out`; false if unknown.
    bool peer_address(sockaddr_storage& out) const;
    const Request& request() const { return reader_->request(); }
    Context& context() { return ctx_; }

    // Request timeout and linger: closes waiting connections whose time is up.
    static void sweep_deadlines(Context& ctx, uint64_t now_ms);
    // Shutdown: every connection finishes what it is sending, then closes.
    static void finish_all(Context& ctx);

  private:
    enum class State : uint8_t { Reading, Streaming, Lingering, Closed };

    Connection(Context& ctx, bool is_unix);
    ~Connection() = default;

    static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept;
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;
    static void on_write_done(void* self, int status) noexcept;
    static void on_shutdown(uv_shutdown_t* req, int status) noexcept;

    void refuse_for_descriptors();
    void handle_input(const char* data, size_t len);
    void hold_input(const char* data, size_t len);
    void pause_reading();
    void handle_request();
    void wait_for_request(); // (re)starts the request timer
    void linger();
    void cancel_awaiting();

    void list_insert(ConnectionList& list);
    void list_remove();

    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_handle_t handle;
        uv_stream_t stream;
    } h_;
    Context& ctx_;
    net::WriteQueue out_;
    std::unique_ptr<RequestReader> reader_;   // only while reading requests
    sse::PendingPublish* awaiting_ = nullptr; // owned by the sink; cancelled if we close first
    std::string held_input_;                  // pipelined input read while awaiting_
    ConnectionList* list_ = nullptr;          // the ctx_ list this connection is on, if any
    Connection* prev_ = nullptr;
    Connection* next_ = nullptr;
    uint64_t deadline_ms_ = 0;
    State state_ = State::Reading;
    bool is_unix_;
    bool finish_after_write_ = false;
    bool reading_paused_ = false;
};

} // namespace ssehub::http
