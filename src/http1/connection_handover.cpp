// A hand-over of live streams to the next process (see ConnectionSet::begin_handover): which
// connections go, which end, and the adoption on the other side. The socket itself travels
// in server_handover.cpp; here a stream leaves the hub without a byte written and comes back
// into the next one's hub in the Streaming state, with no new response head.
#include "http1/connection_set.hpp"

#include "base/log.hpp"
#include "http1/connection_parts.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace ssehub::http1 {

namespace {

// Plain HTTP/1.1 over TCP: the one kind whose bytes another process can go on writing. TLS
// keeps its session keys in this process, HTTP/2 its stream state, and a Unix-socket
// subscriber is rare enough to reconnect.
bool can_travel(const Connection& c, const sse::Hub& hub) {
    return c.is_streaming() && !c.is_unix() && !c.is_tls() &&
           (hub.handover_state(&c) || hub.replaying(&c));
}

} // namespace

void ConnectionSet::begin_handover(const std::function<net::FrameRef()>& retry) {
    handing_over_ = true;
    for (Connection* c = waiting_.head; c;) {
        Connection* next = c->list_next; // close() unlinks c, never its neighbours
        if (c->state_ == Connection::State::Http2)
            c->finish(); // GOAWAY: requests under way finish, then the session closes
        c = next;
    }
    close_idle(app_.now_ms());
    sse::Hub& hub = app_.hub();
    hub.end_for_restart(
        [&hub](const sse::Subscriber* s) {
            // The hub holds HTTP/2 streams too: only a Connection can be one of ours.
            auto* c = dynamic_cast<const Connection*>(s);
            return c && can_travel(*c, hub);
        },
        retry, app_.now_ms());
}

void ConnectionSet::close_idle(uint64_t now_ms) {
    // Idle keep-alive connections close (their next request goes to the listener, then to
    // the next process), but only once idle a little while: a connection just accepted has
    // its request on the way, and closing it now would lose that request.
    constexpr uint64_t quiet_ms = 200;
    uint64_t timeout_ms = app_.settings().request_timeout_ms();
    for (Connection* c = waiting_.head; c;) {
        Connection* next = c->list_next;
        const Connection::RequestPhase* p = c->phase();
        if (c->state_ == Connection::State::Reading && c->out().empty() && !c->awaiting() &&
            !(p && (!p->held_input.empty() || p->reader.started())) &&
            now_ms + timeout_ms >= c->deadline_ms_ + quiet_ms)
            c->close();
        c = next;
    }
}

bool ConnectionSet::handover_ready() const {
    for (const Connection* c = waiting_.head; c; c = c->list_next)
        if (c->state_ != Connection::State::Lingering) return false;
    const sse::Hub& hub = app_.hub();
    for (const Connection* c = streaming_.head; c; c = c->list_next)
        if (!c->out().empty() || hub.replaying(c)) return false;
    return true;
}

std::vector<ConnectionSet::HandedStream> ConnectionSet::release_streams() {
    std::vector<HandedStream> out;
    sse::Hub& hub = app_.hub();
    for (Connection* c = streaming_.head; c;) {
        Connection* next = c->list_next;
        std::optional<sse::Subscription> state;
        if (c->out().empty() && can_travel(*c, hub)) state = hub.handover_state(c);
        uv_os_fd_t fd = -1;
        int copy = -1;
        if (state && uv_fileno(c->handle(), &fd) == 0) copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            c->finish(); // did not drain in time (or no descriptor left): ends as at shutdown
        } else {
            out.push_back(HandedStream{copy, std::move(*state)});
            c->close(); // the duplicate keeps the TCP connection open: no FIN, no RST
        }
        c = next;
    }
    return out;
}

bool ConnectionSet::adopt_stream(int fd, sse::Subscription state) {
    return Connection::adopt(fd, *this, std::move(state));
}

bool Connection::adopt(int fd, ConnectionSet& set, sse::Subscription state) {
    auto* c = new Connection(set, false);
    app::Application& app = set.app_;
    uv_tcp_init(app.loop(), &c->h_.tcp);
    c->handle()->data = c;
    ++set.open_;
    ++app.metrics().connections_open;
    if (uv_tcp_open(&c->h_.tcp, fd) != 0) {
        ::close(fd); // the handle never took it
        c->close();
        return false;
    }
    uv_tcp_nodelay(&c->h_.tcp, 1);
    c->state_ = State::Streaming;
    c->list_insert(set.streaming_);
    state.transport = metrics::Transport::Http1;
    app.hub().add(c, std::move(state), app.now_ms());
    // Input is read only to notice the close, as for any stream.
    if (c->state_ == State::Streaming && uv_read_start(c->stream(), on_alloc, on_read) != 0)
        c->close();
    return true;
}

} // namespace ssehub::http1
