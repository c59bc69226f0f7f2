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
// While a publish awaits its answer (Redis), pipelined input waits, set aside (bounded),
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
#include "net/write_queue.hpp"
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

// What a connection holds is what a subscriber needs (RSS per idle subscriber): the request
// phase (parser, pipelined input, the publish awaited, the router's Responder) is a
// RequestPhase that exists only while requests are read; TLS and HTTP/2 (the channel, the
// session, their callbacks) are a TlsSide that only a TLS connection has; the plain write
// queue lives in place.
class Connection final : public sse::Subscriber {
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
    size_t queued_bytes() const override { return out().queued_bytes(); }
    void drop(sse::DropReason reason) override;

    // Stops reading new requests, flushes what is queued, then closes. Idempotent.
    void finish();
    // Closes now; queued output is dropped. Idempotent.
    void close();

    bool is_unix() const { return is_unix_; }
    bool is_streaming() const { return state_ == State::Streaming; }
    bool is_tls() const { return tls_side_; }
    bool peer_address(sockaddr_storage& out) const;

  private:
    enum class State : uint8_t { Reading, Streaming, Http2, Lingering, Closed };
    struct RequestPhase; // connection_input.cpp
    struct TlsSide;      // connection_tls.cpp

    friend class ConnectionSet;
    friend struct ConnectionList;

    Connection(ConnectionSet& set, bool is_unix);
    ~Connection();

    app::Application& app() const;
    RequestPhase*& phase(); // connection_parts.hpp
    RequestPhase* phase() const;
    TlsSide* tls() const { return tls_side_ ? side_.tls : nullptr; }
    uv_stream_t* stream() {
        return is_unix_ ? reinterpret_cast<uv_stream_t*>(h_.pipe) : &h_.stream;
    }
    uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(stream()); }
    uv_stream_t* init_handle(); // the constructor's
    net::Transport& out();
    const net::Transport& out() const;

    static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept;
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;
    static void on_write_done(void* self, int status) noexcept;
    static void on_shutdown(uv_shutdown_t* req, int status) noexcept;

    // The app::Responder side, through the RequestPhase `p` that carries the request.
    // respond() closes after the answer unless keep-alive; reject() keeps the connection for
    // the next request unless `close` (input not trusted).
    void respond(RequestPhase& p, int status, std::string_view content_type, std::string_view body,
                 std::string_view extra_headers, app::Cors cors);
    void reject(RequestPhase* p, int status, metrics::Rejected kind, std::string_view reason,
                std::string_view extra_headers, bool close);
    // The answer (Application::answer_publish) may come later; until then later requests wait.
    void publish(RequestPhase& p, sse::EventSink& sink, const sse::PublishRequest& request);
    void on_published(RequestPhase& p, const sse::PublishOutcome& outcome);
    // Turns this connection into a subscriber; the request phase is over.
    void start_stream(RequestPhase& p, sse::Subscription subscription);
    // The request phase is over: its memory goes at the next loop turn (the router may still be
    // inside one of its calls).
    void end_request_phase();
    bool awaiting() const;

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
    // The next loop turn goes on with input set aside by yield_input().
    void flush_now();
    void pause_reading();
    void handle_request();
    void wait_for_request(); // (re)starts the request timer
    void linger();
    void cancel_awaiting();
    void close_after_output();
    // ConnectionSet's passes: the deadline passed; the hub is shutting down.
    void on_deadline(uint64_t now_ms);
    void finish_for_shutdown();

    // TLS (through TlsSide): tls::ChannelOwner and h2::SessionHost.
    bool on_handshake(std::string_view alpn);
    bool on_plaintext(const char* data, size_t len);
    void on_streams_changed(size_t open, uint64_t request_deadline_ms);
    h2::Session* h2() const;

    void list_insert(ConnectionList& list);
    void list_remove();
    ConnectionList* list() const;

    // First: these two bytes fit in the tail padding of sse::Subscriber.
    State state_ = State::Reading;
    uint8_t list_on_ : 2 = 0; // 0: none, 1: set_.waiting_, 2: set_.streaming_
    bool is_unix_ : 1;
    bool finish_after_write_ : 1 = false;
    bool reading_paused_ : 1 = false;
    bool yielded_ : 1 = false;    // input set aside waits for the next loop turn, not a publish
    bool backlogged_ : 1 = false; // input set aside waits for the output to drain
    bool tls_side_ : 1 = false;   // side_ is a TlsSide
    // The socket's libuv handle: a TCP one in place; a Unix socket's (a uv_pipe_t is larger,
    // and rare) allocated apart, freed after its close callback.
    union {
        uv_tcp_t tcp;
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t* pipe;
    } h_;
    ConnectionSet& set_;
    // One pointer for the two parts (RSS per idle subscriber): a plain connection's request
    // phase, or a TLS connection's TlsSide, which holds that connection's request phase. Both
    // owned; phase() is null once requests are no longer read.
    union {
        RequestPhase* phase;
        TlsSide* tls;
    } side_{nullptr};
    net::WriteQueue queue_;          // the plain transport (unused under TLS)
    Connection* list_prev = nullptr; // its hooks in the set_ list it is on (list_on_)
    Connection* list_next = nullptr;
    uint64_t deadline_ms_ = 0;
};

} // namespace ssehub::http1
