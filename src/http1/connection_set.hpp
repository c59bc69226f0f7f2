// Every HTTP/1.1 connection the server holds (TLS ones, and those turned into HTTP/2 sessions,
// included), on one of two lists: `waiting` (reading a request, or lingering before close:
// each has a deadline) and `streaming` (subscribers: the hub orders them for heartbeats). The
// passes over them live here: request deadlines, shutdown, the final close. So does what the
// connections share below the application: the loop's flush list, the send batch, the TLS
// context, the descriptor budget. Owned by the Server; it outlives every connection, and a
// connection removes itself from its list in close().
#pragma once

#include "app/application.hpp"
#include "base/intrusive_list.hpp"
#include "http1/connection.hpp"

#include <cstddef>
#include <functional>
#include <vector>

namespace ssehub::net {
class FlushList;
class SendBatch;
} // namespace ssehub::net
namespace ssehub::tls {
class ServerContext;
}

namespace ssehub::http1 {

struct ConnectionList
    : base::IntrusiveList<Connection, &Connection::list_prev, &Connection::list_next> {};

class ConnectionSet final : private net::Flushable {
  public:
    // `flush_list`: input set aside for the next loop turn; `session_output`: HTTP/2 sessions'
    // gathered output, flushed at the end of a fan-out pass or on the next loop turn.
    ConnectionSet(app::Application& app, net::FlushList& flush_list, net::FlushList& session_output)
        : app_(app), flush_list_(flush_list), session_output_(session_output) {}
    ~ConnectionSet();
    ConnectionSet(const ConnectionSet&) = delete;
    ConnectionSet& operator=(const ConnectionSet&) = delete;

    // Accepts one pending connection from `server` (a listener's handle); `tls`: the listener
    // speaks TLS (set_tls() was called).
    void accept(uv_stream_t* server, bool is_unix, bool tls);
    // Request timeout and linger: closes waiting connections whose time is up.
    void sweep_deadlines(uint64_t now_ms);
    // Shutdown: every connection finishes what it is sending, then closes.
    void finish_all();
    // The grace period is over: every connection closes now.
    void close_all();

    // A hand-over to the next process (connection_handover.cpp). begin_handover(): idle
    // connections close (close_idle), a request being read is answered and then the
    // connection closes, and
    // every stream that is not plain HTTP/1.1 over TCP (TLS, HTTP/2, Unix socket, read rights)
    // gets `retry` and ends. handover_ready(): nothing but plain streams is left, each with its
    // output sent and its replay done. release_streams() takes each such stream out of this
    // process: a duplicate of its socket (close-on-exec) and its state; the connection is
    // closed here without a FIN (the duplicate keeps it open); one not ready ends normally.
    // end_handover(): the taker went away; serve on.
    struct HandedStream {
        int fd;
        sse::Subscription state;
    };
    void begin_handover(const std::function<net::FrameRef()>& retry);
    bool handover_ready() const;
    void close_idle(uint64_t now_ms); // called on each tick of the drain

    std::vector<HandedStream> release_streams();
    void end_handover() { handing_over_ = false; }
    bool handing_over() const { return handing_over_; }
    // The next process's side: a stream whose response head the previous one sent. Takes `fd`
    // (closes it on failure). False when it could not be set up.
    bool adopt_stream(int fd, sse::Subscription state);

    size_t open() const { return open_; }
    size_t max_connections() const { return max_connections_; }
    // Connections past this are refused with 503 (from the descriptor limit).
    void set_max_connections(size_t n) { max_connections_ = n; }
    // Connections hand a fan-out's sends to `batch` (null: each sends on its own).
    void set_send_batch(net::SendBatch* batch) { send_batch_ = batch; }
    void set_tls(tls::ServerContext* tls) { tls_ = tls; }
    tls::ServerContext* tls() const { return tls_; }
    // Called after each connection is freed (lets shutdown finish when the last one goes).
    void on_connection_closed(std::function<void()> f) { on_closed_ = std::move(f); }

  private:
    friend class Connection;

    app::Application& app_;
    net::FlushList& flush_list_;     // input set aside
    net::FlushList& session_output_; // deferred writes of HTTP/2 sessions
    net::SendBatch* send_batch_ = nullptr;
    tls::ServerContext* tls_ = nullptr;
    ConnectionList waiting_;
    ConnectionList streaming_;
    size_t open_ = 0;
    size_t max_connections_ = SIZE_MAX;
    std::function<void()> on_closed_;
    // Request phases that ended (Connection::end_request_phase), freed at the next loop turn:
    // the router may still have been inside one of their calls. Freed here too if the loop
    // stops first.
    std::vector<Connection::RequestPhase*> retired_;
    void flush_now() override;
    bool handing_over_ = false; // answers end their connections: the next process listens
};

} // namespace ssehub::http1
