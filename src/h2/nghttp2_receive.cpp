// What the client sends, as nghttp2 hands it over: frames and header blocks begin, headers,
// DATA chunks, streams close. Each callback bounds what it accepts (header block bytes,
// skipped stream ids) before a Stream sees it. The session's own side (start, feed, send,
// shutdown) is nghttp2_session.cpp.
#include "h2/nghttp2_session.hpp"

#include "app/application.hpp"
#include "base/log.hpp"
#include "h2/stream.hpp"
#include "metrics/metrics.hpp"

#include <algorithm>

namespace ssehub::h2 {

bool Nghttp2Session::skipped(int32_t id) const {
    return std::any_of(skipped_.begin(), skipped_.end(),
                       [id](const auto& r) { return id >= r.first && id <= r.second; });
}

// Before nghttp2 looks at a frame: a request HEADERS on an odd id the client skipped earlier
// (so a closed stream it never opened) is a connection error PROTOCOL_ERROR (RFC 9113 5.1.1).
// nghttp2 ignores it, as it cannot tell such an id from that of a stream it forgot.
int Nghttp2Session::on_begin_frame(nghttp2_session* session, const nghttp2_frame_hd* hd,
                                   void* p) noexcept {
    if (hd->type != NGHTTP2_HEADERS) return 0;
    Nghttp2Session* self = self_of(p);
    self->block_bytes_ = 0; // a header block begins (CONTINUATION frames go on with it)
    if (hd->stream_id % 2 == 0) return 0;
    int32_t id = hd->stream_id;
    if (id > self->last_client_id_) {
        if (id > self->last_client_id_ + 2) {
            if (self->skipped_.size() == max_skipped_ranges)
                self->skipped_.erase(self->skipped_.begin());
            self->skipped_.emplace_back(self->last_client_id_ + 2, id - 2);
        }
        self->last_client_id_ = id;
    } else if (self->skipped(id)) {
        log::debug("HTTP/2: HEADERS on stream " + std::to_string(id) + ", skipped earlier");
        nghttp2_session_terminate_session(session, NGHTTP2_PROTOCOL_ERROR);
    }
    return 0;
}

int Nghttp2Session::on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame,
                                     void* p) noexcept {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Nghttp2Session* self = self_of(p);
    // Refused (the client may retry, RFC 9113 8.7) while too many requests are still arriving,
    // while the answers held for flow control are over their bound, and while the client does
    // not read what was already answered.
    if (self->receiving_.size >= max_receiving ||
        self->response_bytes_ > self->max_response_bytes() || self->client_not_reading() ||
        self->opened_this_turn_ >= max_opened_per_turn) {
        if (++self->refused_this_turn_ > max_refused_per_turn) {
            log::info("closed HTTP/2 connection: more than " +
                      std::to_string(max_refused_per_turn) +
                      " streams refused in one turn of the loop");
            nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
            return NGHTTP2_ERR_CALLBACK_FAILURE; // nothing more of its input is looked at
        }
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                  NGHTTP2_REFUSED_STREAM);
        return 0; // no Stream: its headers and data are ignored
    }
    auto* s = new (std::nothrow) Stream(*self, frame->hd.stream_id);
    if (!s) return NGHTTP2_ERR_CALLBACK_FAILURE;
    ++self->opened_this_turn_;
    self->link(s);
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, s);
    return 0;
}

int Nghttp2Session::on_header(nghttp2_session* session, const nghttp2_frame* frame,
                              const uint8_t* name, size_t namelen, const uint8_t* value,
                              size_t valuelen, uint8_t, void* p) noexcept {
    // Every header block (a stream's or not, request or trailers) counted as HPACK counts a
    // header list. Past max-header-bytes the stream answers 431; past it by as much again (at
    // least 16 KiB) nghttp2 resets the stream and decodes the rest of the block (HPACK state)
    // without checking or handing over its fields: a block that names one large table entry
    // over and over costs what its bytes cost, not what the fields it expands to would.
    Nghttp2Session* self = self_of(p);
    size_t limit = self->app_.settings().max_header_bytes;
    self->block_bytes_ += namelen + valuelen + 32;
    if (self->block_bytes_ - std::min(self->block_bytes_, limit) >
        std::max<size_t>(limit, 16 * 1024)) {
        self->app_.metrics().reject(metrics::Rejected::HeaderTooLarge);
        log::info("reset HTTP/2 stream: header block far larger than max-header-bytes (" +
                  std::to_string(limit) + ")");
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    if (Stream* s = stream_of(session, frame->hd.stream_id)) {
        try {
            s->add_header({reinterpret_cast<const char*>(name), namelen},
                          {reinterpret_cast<const char*>(value), valuelen});
        } catch (const std::exception&) { // no exception crosses into nghttp2
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
    }
    return 0;
}

int Nghttp2Session::on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame,
                                  void* p) noexcept {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
    if (Stream* s = stream_of(session, frame->hd.stream_id);
        s && s->phase == Stream::Phase::Receiving) {
        self_of(p)->move(s, Stream::Phase::Answering);
        self_of(p)->streams_changed();
        try {
            s->dispatch();
        } catch (const std::exception& e) { // no exception crosses into nghttp2
            log::error(std::string("HTTP/2 request failed: ") + e.what());
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
    }
    return 0;
}

int Nghttp2Session::on_data_chunk_recv(nghttp2_session* session, uint8_t, int32_t stream_id,
                                       const uint8_t* data, size_t len, void*) noexcept {
    if (Stream* s = stream_of(session, stream_id)) {
        try {
            s->add_body(reinterpret_cast<const char*>(data), len);
        } catch (const std::exception&) {
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
    }
    return 0;
}

int Nghttp2Session::on_stream_close(nghttp2_session* session, int32_t stream_id, uint32_t,
                                    void* p) noexcept {
    Stream* s = stream_of(session, stream_id);
    if (!s) return 0;
    nghttp2_session_set_stream_user_data(session, stream_id, nullptr);
    self_of(p)->unlink(s);
    delete s; // leaves the hub
    return 0;
}

} // namespace ssehub::h2
