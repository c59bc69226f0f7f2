// A connection's request input: parsing what arrives, answering pipelined requests in order,
// holding input back while a publish awaits its answer, and pacing a burst over several loop
// turns. Split from connection.cpp, which is the rest of one connection's state machine.
#include "http1/connection.hpp"

#include "app/application.hpp"
#include "http1/connection_set.hpp"

#include <algorithm>
#include <utility>

namespace ssehub::http1 {

namespace {
// About 40 ms of fan-out here (5 us a delivery): past it, the rest of a read waits a loop turn.
constexpr uint32_t input_work_budget = 8192;
} // namespace

void Connection::handle_input(const char* data, size_t len) {
    if (awaiting_ || yielded_ || backlogged_) {
        hold_input(data, len);
        return;
    }
    size_t offset = 0;
    while (offset < len && state_ == State::Reading && !finish_after_write_) {
        size_t consumed = 0;
        RequestReader::Result r = reader_->feed(data + offset, len - offset, consumed);
        offset += consumed;
        if (r == RequestReader::Result::NeedMore) {
            if (reader_->take_expect_continue())
                send(net::Frame::copy_of("HTTP/1.1 100 Continue\r\n\r\n"));
            break;
        }
        if (r == RequestReader::Result::Error) {
            reject(reader_->error_status(), reader_->error_kind(), reader_->error_reason(), {},
                   true);
            return;
        }
        ++work_;
        handle_request();
        if (awaiting_) {
            set_aside(data + offset, len - offset);
            return;
        }
        if (state_ == State::Reading && !finish_after_write_) {
            reader_->next();
            wait_for_request();
            if (out_->queued_bytes() > pipelined_output_limit && offset < len) {
                backlog_input(data + offset, len - offset);
                return;
            }
            if (work_ >= input_work_budget && offset < len) {
                yield_input(data + offset, len - offset);
                return;
            }
        }
    }
    // A client that pipelines without reading its answers is read no further until they drain.
    if (state_ == State::Reading && out_->queued_bytes() > pipelined_output_limit) pause_reading();
}

// A client that pipelines requests and does not read the answers: what it sent beyond them is
// answered once the answers so far have left, so its unsent output stays near the limit
// however many requests one read held.
void Connection::backlog_input(const char* data, size_t len) {
    set_aside(data, len);
    backlogged_ = true;
    pause_reading();
}

// The output has drained (on_write_done): input set aside for it goes on, then reading.
void Connection::on_output_drained() {
    if (backlogged_) {
        backlogged_ = false;
        handle_held_input();
        return;
    }
    resume_reading_if_wanted();
}

void Connection::handle_request() {
    app_.route(*this, reader_->request());
}

void Connection::publish(sse::EventSink& sink, const sse::PublishRequest& request) {
    sse::PendingPublish* pending = sink.publish(request, *this);
    if (!pending) return; // answered already
    awaiting_ = pending;
    // The request timeout now bounds the wait for the answer. Reading goes on (a client that
    // waits for its answer sends nothing more, and one that closes is noticed).
    deadline_ms_ = app_.now_ms() + app_.settings().request_timeout_ms();
}

// Input that arrives while a publish awaits its answer waits too, in order; a client that
// pipelines without waiting is read no further than about one more request.
void Connection::hold_input(const char* data, size_t len) {
    held_input_.append(data, len);
    if (held_input_.size() - held_from_ >
        app_.settings().max_header_bytes + app_.settings().max_event_bytes)
        pause_reading();
}

// The rest of this read goes on at the next loop turn; reading waits until it is handled.
void Connection::yield_input(const char* data, size_t len) {
    set_aside(data, len);
    yielded_ = true;
    ++app_.metrics().input_yields;
    pause_reading();
    set_.flush_list_.add(this);
}

void Connection::flush_now() {
    if (!yielded_) return;
    yielded_ = false;
    work_ = 0;
    if (state_ != State::Reading || finish_after_write_) return;
    handle_held_input();
}

void Connection::pause_reading() {
    if (reading_paused_) return;
    uv_read_stop(&h_.stream);
    reading_paused_ = true;
}

void Connection::on_published(const sse::PublishOutcome& outcome) {
    work_ += static_cast<uint32_t>(std::min<size_t>(outcome.subscribers, input_work_budget));
    bool was_waiting = awaiting_ != nullptr;
    awaiting_ = nullptr;
    app::Application::answer_publish(*this, outcome);
    if (!was_waiting) return; // answered inside publish(): handle_input() goes on by itself
    if (state_ != State::Reading || finish_after_write_) return;
    reader_->next();
    wait_for_request();
    handle_held_input();
}

// What was set aside (behind a publish's answer, or for this loop turn) goes on, in order;
// then reading resumes unless something set input aside again.
void Connection::handle_held_input() {
    std::string input = std::move(held_input_);
    size_t from = std::exchange(held_from_, 0);
    held_input_.clear();
    replaying_ = &input;
    if (from < input.size()) handle_input(input.data() + from, input.size() - from);
    replaying_ = nullptr;
    resume_reading_if_wanted();
}

// Keeps data[0..len), the rest of the input, for later. When it is the tail of what
// handle_held_input() is going through, the buffer changes hands instead of being copied: a
// backlog of many small requests is then not copied again at every step (quadratic).
void Connection::set_aside(const char* data, size_t len) {
    std::string* replay = std::exchange(replaying_, nullptr);
    if (replay && len > 0 && data >= replay->data() &&
        data + len == replay->data() + replay->size()) {
        size_t from = static_cast<size_t>(data - replay->data());
        held_input_ = std::move(*replay); // the caller returns at once: data is not read again
        held_from_ = from;
        return;
    }
    held_input_.assign(data, len);
    held_from_ = 0;
}

void Connection::resume_reading_if_wanted() {
    bool want_input = state_ == State::Streaming ||
                      (state_ == State::Reading && !awaiting_ && !yielded_ && !backlogged_ &&
                       out_->queued_bytes() <= pipelined_output_limit);
    if (reading_paused_ && want_input) {
        reading_paused_ = false;
        uv_read_start(&h_.stream, on_alloc, on_read);
    }
}

void Connection::wait_for_request() {
    deadline_ms_ = app_.now_ms() + app_.settings().request_timeout_ms();
    list_remove();
    list_insert(set_.waiting_);
}

} // namespace ssehub::http1
