// The parts of a Connection that not every connection has (connection.hpp): the request phase,
// which a subscriber gives up, and the TLS side, which only a TLS listener's connections have.
// Each implements the interfaces its callers see (the router's Responder, the sink's
// PublishWaiter, the flush list; the TLS channel's owner, the HTTP/2 session's host) and
// forwards to its connection, so a plain subscriber carries none of their vtable pointers.
// Only http1/connection*.cpp include this.
#pragma once

#include "http1/connection.hpp"

#include <memory>
#include <string>

#ifdef SSEHUB_HAVE_TLS
#include "tls/channel.hpp"
#endif

namespace ssehub::http1 {

struct Connection::RequestPhase final : app::Responder, sse::PublishWaiter, net::Flushable {
    RequestPhase(Connection& conn, const ReadLimits& limits) : c(conn), reader(limits) {}

    // From slabs of their own (connection_input.cpp): a block that went back to malloc would
    // leave a hole between the subscribers' connections that a connection does not fill, and
    // RSS per subscriber would carry the holes.
    static void* operator new(size_t size);
    static void operator delete(void* block) noexcept;

    Connection& c;
    RequestReader reader;
    sse::PendingPublish* awaiting = nullptr; // owned by the sink; cancelled if we close first
    std::string held_input;                  // pipelined input set aside, from held_from on
    size_t held_from = 0;
    std::string* replaying = nullptr; // handle_held_input()'s input, while it goes through it
    uint32_t work = 0;                // requests and deliveries handled from the current read

    // app::Responder
    void respond(int status, std::string_view content_type, std::string_view body,
                 std::string_view extra_headers = {}, app::Cors cors = app::Cors::Allow) override {
        c.respond(*this, status, content_type, body, extra_headers, cors);
    }
    void reject(int status, metrics::Rejected kind, std::string_view reason,
                std::string_view extra_headers = {}, bool close = false) override {
        c.reject(this, status, kind, reason, extra_headers, close);
    }
    void publish(sse::EventSink& sink, const sse::PublishRequest& request) override {
        c.publish(*this, sink, request);
    }
    void start_stream(sse::Subscription subscription) override {
        c.start_stream(*this, std::move(subscription));
    }
    bool is_unix() const override { return c.is_unix(); }
    bool peer_address(sockaddr_storage& out) const override { return c.peer_address(out); }
    // sse::PublishWaiter
    void on_published(const sse::PublishOutcome& outcome) override {
        c.on_published(*this, outcome);
    }
    // net::Flushable: input set aside by yield_input() goes on.
    void flush_now() override { c.flush_now(); }
};

#ifdef SSEHUB_HAVE_TLS
struct Connection::TlsSide final : tls::ChannelOwner, h2::SessionHost {
    explicit TlsSide(Connection& conn) : c(conn) {}

    Connection& c;
    std::unique_ptr<tls::Channel> channel; // the connection's transport
    std::unique_ptr<h2::Session> h2;       // only in State::Http2 (and until freed)
    RequestPhase* phase = nullptr;         // the connection's, while it reads requests

    // tls::ChannelOwner
    bool on_handshake(std::string_view alpn) override { return c.on_handshake(alpn); }
    bool on_plaintext(const char* data, size_t len) override { return c.on_plaintext(data, len); }
    // h2::SessionHost
    net::Transport& transport() override { return *channel; }
    bool peer_address(sockaddr_storage& out) const override { return c.peer_address(out); }
    void on_streams_changed(size_t open, uint64_t request_deadline_ms) override {
        c.on_streams_changed(open, request_deadline_ms);
    }
    void on_session_over() override { c.close_after_output(); }
};
#else
struct Connection::TlsSide {}; // never made without TLS
#endif

inline Connection::RequestPhase*& Connection::phase() {
#ifdef SSEHUB_HAVE_TLS
    if (tls_side_) return side_.tls->phase;
#endif
    return side_.phase;
}

inline Connection::RequestPhase* Connection::phase() const {
    return const_cast<Connection*>(this)->phase();
}

inline bool Connection::awaiting() const {
    const RequestPhase* p = phase();
    return p && p->awaiting;
}

} // namespace ssehub::http1
