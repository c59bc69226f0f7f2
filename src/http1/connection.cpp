// The state machine of one HTTP/1.1 connection (see connection.hpp): accept, read, answer,
// stream, linger, close. Request input is connection_input.cpp, the TLS and HTTP/2 side
// connection_tls.cpp, the passes over every connection connection_set.cpp.
#include "http1/connection.hpp"

#include "app/application.hpp"
#include "http1/connection_parts.hpp"
#include "http1/connection_set.hpp"

#include "app/response.hpp"
#include "base/log.hpp"
#include "net/write_queue.hpp"

#include <cstring>

#ifdef SSEHUB_HAVE_TLS
#include "tls/server_context.hpp"
#endif

namespace ssehub::http1 {

// RSS per idle subscriber (issue 22): a plain subscriber holds this block and nothing else of
// its own (no request phase, no TLS side, no separate write queue). 440 bytes is a 448-byte
// malloc chunk; where uv_tcp_t has the size measured here, grow it only knowingly.
static_assert(sizeof(uv_tcp_t) != 248 || sizeof(Connection) <= 440,
              "http1::Connection grew: RSS per idle subscriber grows with it");

namespace {

// One read buffer for the whole loop: input is parsed before on_read returns, so no
// connection needs a buffer of its own.
char shared_read_buffer[64 * 1024];

constexpr uint64_t linger_ms = 2000;

} // namespace

Connection::Connection(ConnectionSet& set, bool is_unix)
    : is_unix_(is_unix), set_(set), queue_(init_handle(), on_write_done, this, set.send_batch_) {}

uv_stream_t* Connection::init_handle() {
    if (is_unix_) h_.pipe = new uv_pipe_t;
    return stream();
}

Connection::~Connection() {
    delete phase();
    if (tls_side_) delete side_.tls;
    if (is_unix_) delete h_.pipe; // libuv is done with it once the close callback runs
}

app::Application& Connection::app() const {
    return set_.app_;
}

net::Transport& Connection::out() {
#ifdef SSEHUB_HAVE_TLS
    if (tls()) return *tls()->channel;
#endif
    return queue_;
}

const net::Transport& Connection::out() const {
#ifdef SSEHUB_HAVE_TLS
    if (tls()) return *tls()->channel;
#endif
    return queue_;
}

h2::Session* Connection::h2() const {
#ifdef SSEHUB_HAVE_TLS
    if (tls()) return tls()->h2.get();
#endif
    return nullptr;
}

void Connection::end_request_phase() {
    if (!phase()) return;
    RequestPhase* p = std::exchange(phase(), nullptr);
    set_.flush_list_.remove(p); // input it had set aside is dropped with it
    set_.retired_.push_back(p);
    set_.flush_list_.add(&set_); // ConnectionSet::flush_now() frees it
}

void Connection::accept(uv_stream_t* server, bool is_unix, ConnectionSet& set, bool tls) {
    auto* c = new Connection(set, is_unix);
    app::Application& app = set.app_;
#ifdef SSEHUB_HAVE_TLS
    if (tls && set.tls_) {
        c->side_.tls = new TlsSide(*c);
        c->tls_side_ = true;
        c->side_.tls->channel = std::make_unique<tls::Channel>(
            set.tls_->get(), c->stream(), *c->side_.tls, on_write_done, c, set.send_batch_);
    }
#else
    (void)tls;
#endif
    if (is_unix)
        uv_pipe_init(app.loop(), c->h_.pipe, 0);
    else
        uv_tcp_init(app.loop(), &c->h_.tcp);
    c->handle()->data = c;
    ++set.open_;
    ++app.metrics().connections_open;
    if (uv_accept(server, c->stream()) != 0) {
        c->close();
        return;
    }
    ++app.metrics().connections_accepted;
    if (c->out().failed()) { // no memory for a TLS session
        c->close();
        return;
    }
    if (set.open_ > set.max_connections_) {
        c->refuse_for_descriptors();
        return;
    }
    if (!is_unix) uv_tcp_nodelay(&c->h_.tcp, 1);
    c->phase() = new RequestPhase(
        *c, ReadLimits{app.settings().max_header_bytes, app.settings().max_event_bytes});
    c->wait_for_request();
    if (uv_read_start(c->stream(), on_alloc, on_read) != 0) c->close();
}

// Out of descriptors (nearly): answer 503 in one try and close, without reading the request,
// so the loop never spins on a listener it cannot serve.
void Connection::refuse_for_descriptors() {
    static const net::FrameRef answer = net::Frame::copy_of(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 38\r\nRetry-After: 5\r\nConnection: close\r\n\r\n"
        "too many connections for the fd limit\n");
    app().metrics().reject(metrics::Rejected::OutOfDescriptors);
    log::warn("refused a connection: " + std::to_string(set_.open_ - 1) +
              " connections open, the descriptor limit allows " +
              std::to_string(set_.max_connections_));
    if (tls()) { // a plaintext answer would be noise to a TLS client
        close();
        return;
    }
    uv_buf_t buf = uv_buf_init(const_cast<char*>(answer->data()), answer->size());
    uv_try_write(stream(), &buf, 1);
    close();
}

void Connection::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
    *buf = uv_buf_init(shared_read_buffer, sizeof shared_read_buffer);
}

void Connection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* c = static_cast<Connection*>(stream->data);
    if (nread < 0) {
        if (nread == UV_EOF && c->awaiting()) {
            // Half-closed after its request: it still gets the answer, then the connection ends.
            c->finish_after_write_ = true;
            c->pause_reading();
            return;
        }
        // EOF or error. A subscriber that goes away is simply forgotten; it resumes by id.
        c->close();
        return;
    }
    if (nread == 0) return;
    if (c->phase()) c->phase()->work = 0;
    if ((c->state_ == State::Reading && !c->finish_after_write_) || c->state_ == State::Http2)
        c->receive(buf->base, static_cast<size_t>(nread));
    // Streaming or lingering: input is read only to notice the close, and discarded.
}

// Stops taking input, sends what is queued, then lingers and closes. Idempotent.
void Connection::close_after_output() {
    if (state_ == State::Closed || state_ == State::Lingering) return;
    finish_after_write_ = true;
    if (out().empty() && !awaiting()) linger(); // else once the publish's answer is out
}

bool Connection::send(const net::FrameRef& frame) {
    if (state_ == State::Closed || state_ == State::Lingering) return false;
#ifdef SSEHUB_HAVE_TLS
    if (tls()) return tls()->channel->push(frame) == 0;
#endif
    return queue_.push(frame) == 0;
}

void Connection::respond(RequestPhase& p, int status, std::string_view content_type,
                         std::string_view body, std::string_view extra_headers, app::Cors cors) {
    const app::Request& req = p.reader.request();
    app::Application& app = this->app();
    bool keep_alive =
        req.keep_alive && !app.shutting_down() && !set_.handing_over_ && !finish_after_write_;
    std::string headers(extra_headers);
    if (cors == app::Cors::Allow) app.settings().cors_headers(req.header("origin"), headers);
    bool head_only = req.method == "HEAD";
    if (!send(app::render_response(status, content_type, body, headers, keep_alive, head_only))) {
        close();
        return;
    }
    if (!keep_alive) finish();
}

void Connection::reject(RequestPhase* p, int status, metrics::Rejected kind,
                        std::string_view reason, std::string_view extra_headers, bool close_after) {
    app().metrics().reject(kind);
    log::info("rejected request: " + std::to_string(status) + " " + std::string(reason));
    std::string body(reason);
    body += '\n';
    if (!close_after && p) {
        respond(*p, status, "text/plain; charset=utf-8", body, extra_headers, app::Cors::Allow);
        return;
    }
    finish_after_write_ = true; // answer, then close: the rest of the input is not trusted
    std::string headers(extra_headers);
    // What of the headers was read: an Origin the list does not match strictly gets no echo.
    app().settings().cors_headers(p ? p->reader.request().header("origin") : nullptr, headers);
    if (!send(app::render_response(status, "text/plain; charset=utf-8", body, headers, false))) {
        close();
        return;
    }
    if (out().empty()) linger();
}

void Connection::start_stream(RequestPhase& p, sse::Subscription subscription) {
    state_ = State::Streaming;
    list_remove();
    list_insert(set_.streaming_);
    std::string head = "HTTP/1.1 200 OK\r\n"
                       "Content-Type: text/event-stream\r\n"
                       "Cache-Control: no-store\r\n"
                       "X-Accel-Buffering: no\r\n";
    app().settings().cors_headers(p.reader.request().header("origin"), head);
    head += "\r\n";
    end_request_phase(); // the request goes with it (the subscription holds copies)
    if (!send(net::Frame::copy_of(head))) {
        close();
        return;
    }
    subscription.transport = tls() ? metrics::Transport::Tls : metrics::Transport::Http1;
    app().hub().add(this, std::move(subscription), app().now_ms());
}

void Connection::drop(sse::DropReason reason) {
    switch (reason) {
    case sse::DropReason::SlowSubscriber:
        log::info("dropped slow subscriber: " + std::to_string(out().queued_bytes()) +
                  " bytes queued (max-queued-bytes " +
                  std::to_string(app().settings().max_queued_bytes) + ")");
        close();
        break;
    case sse::DropReason::WriteError:
        close();
        break;
    case sse::DropReason::Shutdown:
        finish();
        break;
    case sse::DropReason::Expired:
        // Out of the hub at once (no heartbeat after ssehub.expired, no subscriber slot), and
        // the last flush gets a deadline: a client that stopped reading cannot keep its
        // connection, which the hub would never drop as slow any more.
        app().hub().remove(this);
        deadline_ms_ = app().now_ms() + app().settings().request_timeout_ms();
        list_remove();
        list_insert(set_.waiting_);
        finish();
        break;
    }
}

void Connection::finish() {
    if (state_ == State::Closed || state_ == State::Lingering) return;
    if (state_ == State::Http2) {
        h2()->shutdown(); // the session says when it is over
        return;
    }
    close_after_output();
}

void Connection::linger() {
    // Send FIN and read (discarding) a little longer: closing with unread input would make the
    // kernel send RST, which can destroy the answer before the client has read it.
    if (state_ == State::Streaming) app().hub().remove(this);
    cancel_awaiting();
    yielded_ = false;
    if (h2::Session* session = h2()) session->abandon();
#ifdef SSEHUB_HAVE_TLS
    if (tls())
        tls()->channel->close_notify(); // queued before the FIN: uv_shutdown waits for writes
#endif
    state_ = State::Lingering;
    end_request_phase();
    deadline_ms_ = app().now_ms() + linger_ms;
    list_remove();
    list_insert(set_.waiting_);
    if (reading_paused_) {
        reading_paused_ = false;
        uv_read_start(stream(), on_alloc, on_read);
    }
    auto* req = new uv_shutdown_t;
    req->data = this;
    if (uv_shutdown(req, stream(), on_shutdown) != 0) {
        delete req;
        close();
    }
}

void Connection::on_shutdown(uv_shutdown_t* req, int status) noexcept {
    auto* c = static_cast<Connection*>(req->data);
    delete req;
    if (status < 0) c->close(); // also UV_ECANCELED when closed meanwhile: close() is idempotent
}

void Connection::on_write_done(void* self, int status) noexcept {
    auto* c = static_cast<Connection*>(self);
    if (status < 0) {
        c->close();
        return;
    }
    if (c->state_ == State::Lingering || c->state_ == State::Closed) return;
    if (c->finish_after_write_) {
        if (!c->awaiting()) c->linger(); // else once the answer is out
        return;
    }
    if (c->state_ == State::Reading) c->on_output_drained();
    if (c->state_ == State::Streaming) c->app().hub().on_drained(c, c->app().now_ms());
    if (c->state_ == State::Http2) c->h2()->on_output_drained();
}

void Connection::close() {
    if (state_ == State::Closed) return;
    if (state_ == State::Streaming) app().hub().remove(this);
    cancel_awaiting();
    if (phase()) set_.flush_list_.remove(phase()); // input it had set aside is dropped with it
    yielded_ = false;
    if (h2::Session* session = h2()) session->abandon();
    state_ = State::Closed;
    list_remove();
    uv_close(handle(), on_close);
}

void Connection::cancel_awaiting() {
    if (!awaiting()) return;
    phase()->awaiting->cancel(); // the answer, when it comes, is dropped
    phase()->awaiting = nullptr;
    phase()->held_input.clear();
    phase()->held_from = 0;
}

void Connection::on_close(uv_handle_t* handle) noexcept {
    auto* c = static_cast<Connection*>(handle->data);
    ConnectionSet& set = c->set_;
    metrics::Metrics& metrics = c->app().metrics();
    if (c->h2()) --metrics.h2_connections;
    delete c;
    --set.open_;
    --metrics.connections_open;
    if (set.on_closed_) set.on_closed_();
}

bool Connection::peer_address(sockaddr_storage& out) const {
    if (is_unix_) return false;
    int len = sizeof out;
    return uv_tcp_getpeername(&h_.tcp, reinterpret_cast<sockaddr*>(&out), &len) == 0;
}

} // namespace ssehub::http1
