#include "h2/nghttp2_session.hpp"

#include "app/application.hpp"
#include "base/log.hpp"
#include "h2/stream.hpp"
#include "metrics/metrics.hpp"
#include "net/flush_list.hpp"

#include <algorithm>
#include <climits>

namespace ssehub::h2 {

namespace {

// Room for ordinary requests (publish, metrics) beside a full set of subscriptions.
constexpr size_t request_streams = 16;

// Output passes per flush before other connections get their turn.
constexpr int max_rounds = 16;

} // namespace

std::unique_ptr<Session> start_session(app::Application& app, net::FlushList& flush_list,
                                       SessionHost& host) {
    auto s = std::make_unique<Nghttp2Session>(app, flush_list, host);
    if (!s->raw()) return nullptr;
    return s;
}

Nghttp2Session::Nghttp2Session(app::Application& app, net::FlushList& flush_list, SessionHost& host)
    : app_(app), flush_list_(flush_list), host_(host) {
    nghttp2_session_callbacks* cb = nullptr;
    if (nghttp2_session_callbacks_new(&cb) != 0) return;
    nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_send_callback(cb, on_send);
    nghttp2_session_callbacks_set_send_data_callback(cb, on_send_data);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    // Closed streams are kept (nghttp2 keeps at most max-concurrent-streams of open and closed
    // together), so a frame on one is told apart from one on an idle stream and gets
    // STREAM_CLOSED (RFC 9113 5.1). The bounds on what a peer may make nghttp2 keep or do,
    // set to nghttp2's defaults explicitly (the man page lists them): SETTINGS entries per
    // frame, SETTINGS and PING acknowledgements waiting to be sent (floods), CONTINUATION
    // frames per header block, RST_STREAM from the client (rapid reset: burst, per second).
    nghttp2_option_set_max_settings(opt, 32);
    nghttp2_option_set_max_outbound_ack(opt, 1000);
    nghttp2_option_set_max_continuations(opt, 8);
    nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 33);
    if (nghttp2_session_server_new2(&session_, cb, this, opt) != 0) session_ = nullptr;
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
}

Nghttp2Session::~Nghttp2Session() {
    abandon();
    for (StreamList* list : {&receiving_, &responding_, &answering_})
        while (Stream* s = list->head) {
            unlink(s);
            delete s;
        }
    nghttp2_session_del(session_); // calls no callback
}

bool Nghttp2Session::start() {
    size_t streams = std::min<size_t>(app_.settings().max_subscribers + request_streams, INT32_MAX);
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, static_cast<uint32_t>(streams)},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
         static_cast<uint32_t>(std::min<size_t>(app_.settings().max_header_bytes, UINT32_MAX))},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    };
    if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings,
                                sizeof settings / sizeof settings[0]) != 0)
        return false;
    schedule_send();
    return true;
}

bool Nghttp2Session::feed(const char* data, size_t len) {
    if (abandoned_) return true;
    if (over_) return false; // input after the end (the connection is closing) is dropped
    in_mem_recv_ = true;
    ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), len);
    in_mem_recv_ = false;
    if (rv < 0) {
        log::debug(std::string("HTTP/2 session failed: ") + nghttp2_strerror(static_cast<int>(rv)));
        over_ = true;
        // nghttp2 has queued a GOAWAY for most errors: send it before closing.
        nghttp2_session_send(session_);
        host_.transport().flush();
        return false;
    }
    // A burst of requests makes nghttp2 queue a frame each (an answer's HEADERS, a refusal):
    // past a few hundred they are written out now, not after every read of this turn of the
    // loop, so what waits is bytes in the transport rather than frames in nghttp2.
    if (nghttp2_session_get_outbound_queue_size(session_) > write_early_frames) {
        nghttp2_session_send(session_);
        host_.transport().flush();
    }
    if (client_not_reading() &&
        nghttp2_session_get_outbound_queue_size(session_) > max_waiting_frames) {
        log::info("closed HTTP/2 connection: " +
                  std::to_string(nghttp2_session_get_outbound_queue_size(session_)) +
                  " frames wait for a client that sends and does not read");
        over_ = true;
        return false;
    }
    schedule_send(); // answers, SETTINGS ACK, WINDOW_UPDATE: written in the next pass
    return true;
}

void Nghttp2Session::schedule_send() {
    if (!abandoned_) flush_list_.add(this);
}

void Nghttp2Session::flush_now() {
    if (in_mem_recv_)
        schedule_send();
    else
        send_now();
}

void Nghttp2Session::send_now() {
    refused_this_turn_ = opened_this_turn_ = 0;
    if (abandoned_ || over_) return;
    net::Transport& out = host_.transport();
    for (int round = 0; round < max_rounds; ++round) {
        would_block_ = false;
        int rv = nghttp2_session_send(session_);
        if (rv != 0) {
            log::debug(std::string("HTTP/2 send failed: ") + nghttp2_strerror(rv));
            over_ = true;
        }
        if (out.flush() < 0) return; // the connection learns it from its write callback
        // Subscribers whose queue emptied may go on with a replay (which only queues: drained_
        // is filled by nghttp2_session_send alone, so it is not touched while walked). Not at
        // the end of a fan-out pass: the hub's pass is still open (its drops would close
        // sockets with sends not yet submitted); the next loop turn does it.
        if (flush_list_.at_pass_end()) {
            if (!drained_.empty()) schedule_send();
        } else {
            uint64_t now = app_.now_ms();
            for (int32_t id : drained_)
                if (Stream* s = stream_of(session_, id); s && s->subscribed())
                    app_.hub().on_drained(s, now);
            drained_.clear();
        }
        if (over_ || abandoned_ || !would_block_ || out.queued_bytes() > high_water) break;
        if (round + 1 == max_rounds) schedule_send();
    }
    if (!flush_list_.at_pass_end())
        check_over();
    else if (over_ ||
             (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)))
        schedule_send(); // closing waits for the next loop turn too
}

void Nghttp2Session::check_over() {
    if (abandoned_) return;
    if (over_ || (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_))) {
        over_ = true;
        host_.on_session_over();
    }
}

void Nghttp2Session::shutdown() {
    if (abandoned_ || shutting_down_) return;
    shutting_down_ = true;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    for_each_stream(&Stream::end_gracefully);
    schedule_send();
}

void Nghttp2Session::abandon() {
    if (abandoned_) return;
    abandoned_ = true;
    flush_list_.remove(this);
    for_each_stream(&Stream::abandon);
}

ssize_t Nghttp2Session::on_send(nghttp2_session*, const uint8_t* data, size_t length, int,
                                void* p) noexcept {
    Nghttp2Session* self = self_of(p);
    net::Transport& out = self->host_.transport();
    if (out.queued_bytes() > high_water) {
        self->would_block_ = true;
        return NGHTTP2_ERR_WOULDBLOCK;
    }
    try {
        out.gather(reinterpret_cast<const char*>(data), length);
    } catch (const std::exception&) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return static_cast<ssize_t>(length);
}

int Nghttp2Session::on_send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd,
                                 size_t length, nghttp2_data_source* source, void* p) noexcept {
    Nghttp2Session* self = self_of(p);
    net::Transport& out = self->host_.transport();
    if (out.queued_bytes() > high_water) {
        self->would_block_ = true;
        return NGHTTP2_ERR_WOULDBLOCK;
    }
    auto* s = static_cast<Stream*>(source->ptr);
    try {
        out.gather(reinterpret_cast<const char*>(framehd), 9);
        s->write_data(length, out);
    } catch (const std::exception&) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (s->subscribed() && s->queued_bytes() == 0) self->drained_.push_back(frame->hd.stream_id);
    return 0;
}

} // namespace ssehub::h2
