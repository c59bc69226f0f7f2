// Layer h2/ (a transport): the HTTP/2 session and its streams (nghttp2). Requests go to app/;
// includes tls/, app/ and below; the http1/ connection that negotiated h2 carries it.
//
// What an HTTP/2 session and the connection that carries it know of each other, free of
// nghttp2 so the connection compiles the same without it. The connection owns the socket, the
// transport (TLS) and the deadlines; the session owns the streams and speaks the protocol.
#pragma once

#include "net/transport.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <sys/socket.h>

namespace ssehub::app {
class Application;
}
namespace ssehub::net {
class FlushList;
}

namespace ssehub::h2 {

class SessionHost {
  public:
    virtual net::Transport& transport() = 0;
    virtual bool peer_address(sockaddr_storage& out) const = 0;
    // The streams changed: `open` of them, and the earliest request deadline (loop ms) of those
    // still receiving their request, 0 when none is. An idle connection has a deadline, and so
    // has one with a request still arriving; one that only streams or answers has none.
    virtual void on_streams_changed(size_t open, uint64_t request_deadline_ms) = 0;
    // The session is over (both sides said GOAWAY, or a protocol error): send what is queued,
    // then close. Never called from inside one of the session's own calls into the host.
    virtual void on_session_over() = 0;

  protected:
    ~SessionHost() = default;
};

class Session {
  public:
    virtual ~Session() = default;
    // Queues the server preface (SETTINGS). False if the session could not start.
    virtual bool start() = 0;
    // Decrypted input from the peer. False on a protocol error: the session is then over.
    virtual bool feed(const char* data, size_t len) = 0;
    // Streams open now (a connection without any is idle).
    virtual size_t open_streams() const = 0;
    // The request deadline passed: resets every stream whose request has not fully arrived
    // within request-timeout of its opening.
    virtual void expire_requests(uint64_t now_ms) = 0;
    // The transport drained: write more.
    virtual void on_output_drained() = 0;
    // Graceful end: GOAWAY, subscriber streams end after what they have queued.
    virtual void shutdown() = 0;
    // The connection is closing: leave the hub and the flush list now; write nothing more.
    virtual void abandon() = 0;
};

// An HTTP/2 server session over `host`'s transport (nullptr when built without nghttp2).
std::unique_ptr<Session> start_session(app::Application& app, net::FlushList& flush_list,
                                       SessionHost& host);

} // namespace ssehub::h2
