#include "h2/stream.hpp"

#include "app/application.hpp"
#include "base/log.hpp"
#include "h2/header_lines.hpp"
#include "h2/nghttp2_session.hpp"

#include <algorithm>

namespace ssehub::h2 {

namespace {

nghttp2_nv make_nv(const std::string& name, const std::string& value) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                      value.size(), NGHTTP2_NV_FLAG_NONE};
}

} // namespace

Stream::Stream(Nghttp2Session& session, int32_t id) : session_(session), id_(id) {
    ++session_.app().metrics().h2_streams;
    ++session_.app().metrics().h2_streams_total;
}

Stream::~Stream() {
    if (awaiting_) awaiting_->cancel(); // the stream was reset or its session is gone
    leave_hub();
    clear_queue();
    --session_.app().metrics().h2_streams;
}

void Stream::add_header(std::string_view name, std::string_view value) {
    app::Application& app = session_.app();
    // Counted as HPACK counts a header list (RFC 9113 6.5.2), against max-header-bytes.
    header_bytes_ += name.size() + value.size() + 32;
    if (refused_status_ || gone_) return;
    if (header_bytes_ > app.settings().max_header_bytes) {
        bool uri = name == ":path";
        refused_status_ = uri ? 414 : 431;
        refused_kind_ = uri ? metrics::Rejected::UriTooLong : metrics::Rejected::HeaderTooLarge;
        request_.headers.clear();
        return;
    }
    if (name == ":method")
        request_.method = value;
    else if (name == ":path")
        request_.target = value;
    else if (name == ":authority")
        request_.headers.emplace_back("host", value);
    else if (!name.starts_with(":"))
        request_.headers.emplace_back(name, value);
}

void Stream::add_body(const char* data, size_t len) {
    if (refused_status_ || responded_ || gone_) return;
    size_t limit = session_.app().settings().max_event_bytes;
    if (request_.body.size() + len > limit) {
        request_.body.clear();
        session_.release_body(this);
        // Answer now: the client can stop sending (the rest is read and dropped).
        reject(413, metrics::Rejected::BodyTooLarge,
               "request body is larger than max-event-bytes (" + std::to_string(limit) + ")");
        return;
    }
    if (!session_.admit_body(this, len)) {
        // The connection's requests still arriving hold too much: this one may be retried.
        log::info("refused HTTP/2 stream: request bodies arriving on the connection are over "
                  "max-queued-bytes");
        gone_ = true;
        request_ = app::Request{};
        session_.release_body(this);
        nghttp2_submit_rst_stream(session_.raw(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_REFUSED_STREAM);
        session_.schedule_send();
        return;
    }
    request_.body.append(data, len);
}

void Stream::dispatch() {
    if (responded_ || gone_) return;
    if (refused_status_ == 414) {
        reject(414, refused_kind_, "request line is too long");
        return;
    }
    if (refused_status_) {
        reject(refused_status_, refused_kind_, "request headers are too large");
        return;
    }
    if (request_.method.empty() || request_.target.empty() || request_.target[0] != '/') {
        reject(400, metrics::Rejected::BadRequest, "malformed request: bad :method or :path");
        return;
    }
    session_.app().route(*this, request_);
}

void Stream::submit(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                    bool with_data) {
    std::string status_text = std::to_string(status);
    static const std::string status_name = ":status";
    std::vector<nghttp2_nv> nv;
    nv.reserve(headers.size() + 1);
    nv.push_back(make_nv(status_name, status_text));
    for (const auto& [k, v] : headers)
        nv.push_back(make_nv(k, v));
    nghttp2_data_provider provider{};
    provider.source.ptr = this;
    provider.read_callback = on_read_data;
    responded_ = true;
    int rv = nghttp2_submit_response(session_.raw(), id_, nv.data(), nv.size(),
                                     with_data ? &provider : nullptr);
    if (rv != 0) log::debug(std::string("HTTP/2 response not submitted: ") + nghttp2_strerror(rv));
    session_.schedule_send();
}

// The CORS lines for this stream's request (its Origin), as HTTP/2 header fields.
void Stream::append_cors(HeaderList& headers) const {
    std::string lines;
    session_.app().settings().cors_headers(request_.header("origin"), lines);
    append_header_lines(lines, headers);
}

void Stream::respond(int status, std::string_view content_type, std::string_view body,
                     std::string_view extra_headers, app::Cors cors) {
    if (responded_ || gone_) return;
    HeaderList headers;
    if (!content_type.empty()) headers.emplace_back("content-type", content_type);
    if (status != 204 && status != 304)
        headers.emplace_back("content-length", std::to_string(body.size()));
    append_header_lines(extra_headers, headers);
    if (cors == app::Cors::Allow) append_cors(headers);
    bool with_body = !body.empty() && request_.method != "HEAD";
    if (with_body) {
        queue_.push(net::Frame::copy_of(body));
        ending_ = true;
        counted_ = true;
        session_.start_responding(this, queue_.bytes());
    }
    submit(status, headers, with_body);
}

void Stream::reject(int status, metrics::Rejected kind, std::string_view reason,
                    std::string_view extra_headers, bool) {
    session_.app().metrics().reject(kind);
    log::info("rejected request: " + std::to_string(status) + " " + std::string(reason));
    std::string body(reason);
    body += '\n';
    respond(status, "text/plain; charset=utf-8", body, extra_headers);
}

void Stream::start_stream(sse::Subscription subscription) {
    if (responded_ || gone_) return;
    app::Application& app = session_.app();
    HeaderList headers = {{"content-type", "text/event-stream"},
                          {"cache-control", "no-store"},
                          {"x-accel-buffering", "no"}};
    append_cors(headers);
    submit(200, headers, true);
    subscribed_ = true;
    subscription.transport = metrics::Transport::H2;
    app.hub().add(this, std::move(subscription), app.now_ms());
}

void Stream::publish(sse::EventSink& sink, const sse::PublishRequest& request) {
    awaiting_ = sink.publish(request, *this); // null when answered already
}

void Stream::on_published(const sse::PublishOutcome& outcome) {
    awaiting_ = nullptr;
    app::Application::answer_publish(*this, outcome); // submit() schedules the send
}

bool Stream::peer_address(sockaddr_storage& out) const {
    return session_.host().peer_address(out);
}

void Stream::wake() {
    if (deferred_ && !session_.abandoned()) {
        deferred_ = false;
        nghttp2_session_resume_data(session_.raw(), id_);
    }
    session_.schedule_send();
}

bool Stream::send(const net::FrameRef& frame) {
    if (gone_) return false;
    queue_.push(frame);
    wake();
    return true;
}

void Stream::write_data(size_t length, net::Transport& out) {
    queue_.take(length, out);
    if (counted_) session_.response_bytes_gone(length);
}

void Stream::clear_queue() {
    if (counted_) session_.response_bytes_gone(queue_.bytes());
    queue_.clear();
}

void Stream::leave_hub() {
    if (subscribed_) session_.app().hub().remove(this);
}

void Stream::drop(sse::DropReason reason) {
    leave_hub();
    if (reason == sse::DropReason::Shutdown || reason == sse::DropReason::Expired) {
        end_gracefully();
        return;
    }
    if (reason == sse::DropReason::SlowSubscriber)
        log::info("dropped slow HTTP/2 subscriber: " + std::to_string(queue_.bytes()) +
                  " bytes queued (max-queued-bytes " +
                  std::to_string(session_.app().settings().max_queued_bytes) + ")");
    gone_ = true;
    clear_queue();
    if (!session_.abandoned()) {
        nghttp2_submit_rst_stream(session_.raw(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_CANCEL);
        session_.schedule_send();
    }
}

void Stream::end_gracefully() {
    leave_hub();
    if (!subscribed_ || ending_) return;
    ending_ = true;
    wake();
}

void Stream::abandon() {
    leave_hub();
    gone_ = true;
    if (awaiting_) {
        awaiting_->cancel();
        awaiting_ = nullptr;
    }
}

// The HTTP/1.1 timeout closes the connection without an answer; here only this stream goes,
// reset with CANCEL (RFC 9113 section 7: "the stream is no longer needed"). Not a 408: an
// answer would wait behind flow control and leave the client free to keep sending its body,
// where the reset frees the stream at once and tells the client to stop. Not REFUSED_STREAM
// either, which tells a client the request may be retried as is (section 8.7), nor an error
// code that blames the protocol: the peer broke no rule of it, it was only too slow.
void Stream::time_out() {
    if (!responded_ && !gone_) { // else the answer (413 and the like) was counted already
        app::Application& app = session_.app();
        app.metrics().reject(metrics::Rejected::Timeout);
        log::info("reset HTTP/2 stream: request not received within request-timeout (" +
                  std::to_string(app.settings().request_timeout_s) + " s)");
    }
    gone_ = true;
    request_ = app::Request{}; // what arrived of it is freed now, not with the stream
    session_.release_body(this);
    clear_queue();
    if (!session_.abandoned())
        nghttp2_submit_rst_stream(session_.raw(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_CANCEL);
}

// The client kept its flow-control window shut: what waits is let go and the stream reset
// (CANCEL), as an HTTP/1.1 connection that does not read its answer is closed.
void Stream::give_up_response() {
    log::info("reset HTTP/2 stream: response not sent within request-timeout (" +
              std::to_string(session_.app().settings().request_timeout_s) +
              " s; the client's flow-control window stayed shut)");
    gone_ = true;
    clear_queue();
    if (!session_.abandoned())
        nghttp2_submit_rst_stream(session_.raw(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_CANCEL);
}

ssize_t Stream::on_read_data(nghttp2_session*, int32_t, uint8_t*, size_t length,
                             uint32_t* data_flags, nghttp2_data_source* source, void*) noexcept {
    auto* s = static_cast<Stream*>(source->ptr);
    size_t queued = s->queue_.bytes();
    if (queued == 0) {
        if (s->ending_) {
            *data_flags |= NGHTTP2_DATA_FLAG_EOF;
            return 0;
        }
        s->deferred_ = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    size_t n = std::min(length, queued);
    *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (n == queued && s->ending_) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
}

} // namespace ssehub::h2
