// One HTTP/2 stream: a request being received, then either one response or an event stream.
// As a response it is the router's Responder, as an event stream the hub's Subscriber; its
// output waits in a StreamQueue until nghttp2 cuts DATA frames from it, within the peer's flow
// control windows. Created when the request's HEADERS begin, freed when nghttp2 closes the
// stream (or with the session).
#pragma once

#include "app/request.hpp"
#include "app/responder.hpp"
#include "h2/stream_queue.hpp"
#include "sse/subscriber.hpp"

#include <cstdint>
#include <nghttp2/nghttp2.h>

namespace ssehub::h2 {

class Nghttp2Session;

class Stream final : public sse::Subscriber, public app::Responder, public sse::PublishWaiter {
  public:
    Stream(Nghttp2Session& session, int32_t id);
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    int32_t id() const { return id_; }

    // Request assembly, bounded by max-header-bytes and max-event-bytes.
    void add_header(std::string_view name, std::string_view value);
    void add_body(const char* data, size_t len);
    // The whole request arrived: refuse it or route it.
    void dispatch();

    // app::Responder
    void respond(int status, std::string_view content_type, std::string_view body,
                 std::string_view extra_headers = {}, app::Cors cors = app::Cors::Allow) override;
    void reject(int status, metrics::Rejected kind, std::string_view reason,
                std::string_view extra_headers = {}, bool close = false) override;
    void start_stream(sse::Subscription subscription) override;
    // The answer may come later (Redis): other streams go on meanwhile.
    void publish(sse::EventSink& sink, const sse::PublishRequest& request) override;
    bool is_unix() const override { return false; }

    // sse::PublishWaiter
    void on_published(const sse::PublishOutcome& outcome) override;
    bool peer_address(sockaddr_storage& out) const override;

    // sse::Subscriber
    bool send(const net::FrameRef& frame) override;
    size_t queued_bytes() const override { return queue_.bytes(); }
    void drop(sse::DropReason reason) override;

    // Session shutdown: an event stream ends (END_STREAM) once its queue is sent.
    void end_gracefully();
    // The session is going away: leave the hub, accept nothing more.
    void abandon();
    // The request did not fully arrive within request-timeout: reset the stream.
    void time_out();
    bool subscribed() const { return subscribed_; }

    // nghttp2 data source: how much of the queue the next DATA frame may carry.
    static ssize_t on_read_data(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length,
                                uint32_t* data_flags, nghttp2_data_source* source, void*) noexcept;
    // Writes one DATA frame's payload (the shared bytes) to the transport.
    void write_data(size_t length, net::Transport& out);

    // The response could not be sent within request-timeout (flow control): reset the stream.
    void give_up_response();

    // The session's bookkeeping: which of its lists holds the stream, and since when (loop ms)
    // it is there (its request-timeout counts from then).
    enum class Phase { Receiving, Responding, Answering };
    Stream* prev = nullptr;
    Stream* next = nullptr;
    uint64_t since_ms = 0;
    Phase phase = Phase::Receiving;
    size_t body_counted = 0; // of the request body, in the session's bound on bodies arriving

  private:
    void submit(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                bool with_data);
    void append_cors(std::vector<std::pair<std::string, std::string>>& headers) const;
    void leave_hub();
    void wake();
    void clear_queue();

    Nghttp2Session& session_;
    int32_t id_;
    app::Request request_;
    size_t header_bytes_ = 0;
    int refused_status_ = 0; // set while receiving when a limit was crossed
    metrics::Rejected refused_kind_ = metrics::Rejected::BadRequest;
    StreamQueue queue_;
    sse::PendingPublish* awaiting_ = nullptr; // owned by the sink; cancelled if we go first
    bool responded_ = false;                  // a response (or the event stream) was submitted
    bool subscribed_ = false;
    bool ending_ = false;   // END_STREAM once the queue is empty
    bool deferred_ = false; // nghttp2 waits for resume_data
    bool gone_ = false;     // dropped or abandoned: sends fail
    bool counted_ = false;  // queue_ counts in the session's response bytes
};

} // namespace ssehub::h2
