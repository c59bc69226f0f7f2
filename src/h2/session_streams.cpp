// The session's streams: the three lists a stream moves through (receiving its request,
// responding while flow control holds the answer, answering), the bytes held for them against
// their bounds, and request-timeout per stream, swept by the connection's tick. Split from
// nghttp2_session.cpp, which drives nghttp2 and answers its callbacks.
#include "h2/nghttp2_session.hpp"

#include "app/application.hpp"
#include "h2/stream.hpp"

#include <algorithm>

namespace ssehub::h2 {

void Nghttp2Session::for_each_stream(void (Stream::*fn)()) {
    for (StreamList* list : {&receiving_, &responding_, &answering_})
        for (Stream* s = list->head; s; s = s->next)
            (s->*fn)();
}

Nghttp2Session::StreamList& Nghttp2Session::list_of(Stream* s) {
    switch (s->phase) {
    case Stream::Phase::Receiving:
        return receiving_;
    case Stream::Phase::Responding:
        return responding_;
    case Stream::Phase::Answering:
        break;
    }
    return answering_;
}

void Nghttp2Session::link(Stream* s) {
    s->since_ms = app_.now_ms();
    receiving_.push_back(s);
    streams_changed();
}

void Nghttp2Session::unlink(Stream* s) {
    if (s->phase == Stream::Phase::Responding) response_bytes_gone(held_stream_cost);
    release_body(s);
    list_of(s).remove(s);
    streams_changed();
}

void Nghttp2Session::move(Stream* s, Stream::Phase to) {
    if (s->phase == Stream::Phase::Responding) response_bytes_gone(held_stream_cost);
    release_body(s);
    list_of(s).remove(s);
    s->phase = to;
    s->since_ms = app_.now_ms();
    list_of(s).push_back(s);
}

bool Nghttp2Session::admit_body(Stream* s, size_t len) {
    size_t limit = std::max(app_.settings().max_queued_bytes, app_.settings().max_event_bytes);
    if (request_bytes_ + len > limit) return false;
    request_bytes_ += len;
    s->body_counted += len;
    return true;
}

void Nghttp2Session::release_body(Stream* s) {
    request_bytes_ -= std::min(s->body_counted, request_bytes_);
    s->body_counted = 0;
}

void Nghttp2Session::start_responding(Stream* s, size_t bytes) {
    response_bytes_ += bytes + held_stream_cost;
    move(s, Stream::Phase::Responding);
    streams_changed();
}

size_t Nghttp2Session::max_response_bytes() const {
    return app_.settings().max_queued_bytes;
}

// Tells the connection how many streams are open and when the first of them is due: the
// oldest request still arriving or the oldest response still waiting to be sent (each list
// is in the order of its deadlines).
void Nghttp2Session::streams_changed() {
    if (abandoned_) return;
    uint64_t timeout = app_.settings().request_timeout_ms();
    uint64_t deadline = 0;
    for (StreamList* list : {&receiving_, &responding_})
        if (list->head && (deadline == 0 || list->head->since_ms + timeout < deadline))
            deadline = list->head->since_ms + timeout;
    host_.on_streams_changed(open_streams(), deadline);
}

// Per stream, what request-timeout is to an HTTP/1.1 connection: a request (headers or body)
// that has not fully arrived within it is dropped, and so is a response that could not be
// sent within it (the client keeps its flow-control window shut). Event streams are not cut,
// as on HTTP/1.1 (max-queued-bytes bounds them); only the connection's tick calls this (no
// timer per stream).
void Nghttp2Session::expire_requests(uint64_t now_ms) {
    if (abandoned_) return;
    uint64_t timeout = app_.settings().request_timeout_ms();
    bool expired = false;
    while (Stream* s = receiving_.head) {
        if (now_ms < s->since_ms + timeout) break;
        move(s, Stream::Phase::Answering);
        s->time_out(); // RST_STREAM: nghttp2 closes (and we free) the stream once it is sent
        expired = true;
    }
    while (Stream* s = responding_.head) {
        if (now_ms < s->since_ms + timeout) break;
        move(s, Stream::Phase::Answering);
        s->give_up_response();
        expired = true;
    }
    if (expired) schedule_send();
    streams_changed();
}

} // namespace ssehub::h2
