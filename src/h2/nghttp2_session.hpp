// One HTTP/2 server connection's protocol state, with nghttp2: frames in through feed(), frames
// out through the connection's transport. Output is written in passes (net::FlushList): a
// fan-out that touches a hundred streams of this connection costs one pass, one TLS record
// run and one write. The session stops a pass while the transport holds more than
// `high_water` bytes and resumes when it drains, so what waits is counted per stream (flow
// control or a slow socket alike) and bounded by max-queued-bytes.
#pragma once

#include "base/intrusive_list.hpp"
#include "h2/session.hpp"
#include "h2/stream.hpp"
#include "net/flush_list.hpp"

#include <algorithm>
#include <cstdint>
#include <nghttp2/nghttp2.h>
#include <vector>

namespace ssehub::h2 {

class Nghttp2Session final : public Session, private net::Flushable {
  public:
    Nghttp2Session(app::Application& app, net::FlushList& flush_list, SessionHost& host);
    ~Nghttp2Session() override;

    bool start() override;
    bool feed(const char* data, size_t len) override;
    void on_output_drained() override { schedule_send(); }
    size_t open_streams() const override {
        return receiving_.size + responding_.size + answering_.size;
    }
    void expire_requests(uint64_t now_ms) override;
    void shutdown() override;
    void abandon() override;

    // For streams.
    nghttp2_session* raw() const { return session_; }
    app::Application& app() const { return app_; }
    SessionHost& host() const { return host_; }
    bool abandoned() const { return abandoned_; }
    void schedule_send();
    // A response body of `bytes` waits to be sent (flow control may hold it): the stream's
    // request-timeout starts again, and the bytes count against the connection's bound.
    void start_responding(Stream* s, size_t bytes);
    // Request bodies still arriving, all streams together, are bounded (by max-queued-bytes or
    // max-event-bytes, whichever is larger): false when `len` more would cross it.
    bool admit_body(Stream* s, size_t len);
    // The stream's body no longer counts (dispatched, dropped or closed).
    void release_body(Stream* s);
    // Response bytes that left (sent) or were let go (reset, closed).
    void response_bytes_gone(size_t bytes) { response_bytes_ -= std::min(bytes, response_bytes_); }

  private:
    static Nghttp2Session* self_of(void* p) { return static_cast<Nghttp2Session*>(p); }
    static Stream* stream_of(nghttp2_session* session, int32_t id) {
        return static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, id));
    }
    static constexpr size_t high_water = 64 * 1024;
    // Requests still arriving at once on one connection; more are refused (REFUSED_STREAM), so
    // one client cannot make the hub buffer a request's worth for every allowed stream.
    static constexpr size_t max_receiving = 128;
    // Frames other than DATA (answers' HEADERS, RST_STREAM, acknowledgements) nghttp2 may hold
    // for a client that does not read (the transport over high_water): past this many the
    // connection is closed. New streams are refused meanwhile.
    static constexpr size_t max_waiting_frames = 4096;
    static constexpr size_t write_early_frames = 256;
    // Streams refused between two output passes (one turn of the loop) before the connection
    // is closed (GOAWAY, ENHANCE_YOUR_CALM): a client that keeps opening streams it is refused
    // would otherwise hold the loop as long as it sends.
    static constexpr size_t max_refused_per_turn = 1024;
    // Streams opened between two output passes: more are refused (the client may retry them
    // in the next turn), so a burst of requests on one connection cannot hold the loop.
    static constexpr size_t max_opened_per_turn = 1024;
    // What a held answer costs beside its body (its stream, request and headers), counted
    // against max-queued-bytes with it.
    static constexpr size_t held_stream_cost = 2048;
    bool client_not_reading() const { return host_.transport().queued_bytes() > high_water; }

    // Output answers may hold while flow control keeps them (all response streams of the
    // connection together): new streams are refused (REFUSED_STREAM) while it is over.
    size_t max_response_bytes() const;
    // Odd stream ids skipped by the client (never opened, so closed, RFC 9113 5.1.1): a HEADERS
    // on one is a connection error. Only the latest ranges are kept (nghttp2 ignores the rest).
    static constexpr size_t max_skipped_ranges = 64;
    bool skipped(int32_t id) const;

    // Also runs at the end of a fan-out pass (net::SendBatch), which a request on this very
    // session may have started: nghttp2 must not be entered from its own callbacks, so the
    // session then waits for the next loop iteration.
    void flush_now() override;
    void send_now();
    void check_over();
    // Streams in three lists: those still receiving their request, in the order they opened,
    // those whose response body waits to be sent, in the order they were answered (so each
    // list is in the order of its deadlines: the first is the next to expire), and the others
    // (event streams, or answered).
    using StreamList = base::IntrusiveList<Stream, &Stream::prev, &Stream::next>;

    StreamList& list_of(Stream* s);
    void link(Stream* s);
    void unlink(Stream* s);
    void move(Stream* s, Stream::Phase to); // to the end of that list, since now
    void streams_changed();
    void for_each_stream(void (Stream::*fn)());

    static int on_begin_frame(nghttp2_session*, const nghttp2_frame_hd* hd, void* p) noexcept;
    static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* p) noexcept;
    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                         size_t namelen, const uint8_t* value, size_t valuelen, uint8_t flags,
                         void* p) noexcept;
    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* p) noexcept;
    static int on_data_chunk_recv(nghttp2_session*, uint8_t flags, int32_t stream_id,
                                  const uint8_t* data, size_t len, void* p) noexcept;
    static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                               void* p) noexcept;
    static ssize_t on_send(nghttp2_session*, const uint8_t* data, size_t length, int flags,
                           void* p) noexcept;
    static int on_send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd,
                            size_t length, nghttp2_data_source* source, void* p) noexcept;

    app::Application& app_;
    net::FlushList& flush_list_;
    SessionHost& host_;
    nghttp2_session* session_ = nullptr;
    // Every stream not yet closed (to free them with the session), in one of two lists.
    StreamList receiving_;      // the request has not fully arrived
    StreamList responding_;     // a response body waits, in the order they were answered
    StreamList answering_;      // the rest (event streams, answers without a body)
    size_t response_bytes_ = 0; // queued in responding_ streams together
    size_t request_bytes_ = 0;  // bodies of receiving_ streams together
    size_t refused_this_turn_ = 0;
    size_t opened_this_turn_ = 0;
    size_t block_bytes_ = 0;     // of the header block being received, as HPACK counts
    int32_t last_client_id_ = 0; // highest stream id the client opened
    std::vector<std::pair<int32_t, int32_t>> skipped_; // [first, last] odd ids never opened
    std::vector<int32_t> drained_; // subscriber streams whose queue emptied during a pass
    bool would_block_ = false;
    bool abandoned_ = false;
    bool in_mem_recv_ = false; // inside nghttp2_session_mem_recv
    bool shutting_down_ = false;
    bool over_ = false;
};

} // namespace ssehub::h2
