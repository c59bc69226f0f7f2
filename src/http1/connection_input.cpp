// A connection's request input: parsing what arrives, answering pipelined requests in order,
// holding input back while a publish awaits its answer, and pacing a burst over several loop
// turns. Split from connection.cpp, which is the rest of one connection's state machine.
#include "http1/connection.hpp"

#include "app/application.hpp"
#include "http1/connection_parts.hpp"
#include "http1/connection_set.hpp"

#include <algorithm>
#include <utility>

namespace ssehub::http1 {

namespace {
// About 40 ms of fan-out here (5 us a delivery): past it, the rest of a read waits a loop turn.
constexpr uint32_t input_work_budget = 8192;

// Spare RequestPhase blocks, linked through themselves. The loop is one thread; the pool holds
// as many as were reading requests at once, at most spare_limit (about 350 KB).
struct SpareBlock {
    SpareBlock* next;
};
SpareBlock* spare_blocks = nullptr;
size_t spare_count = 0;
constexpr size_t spare_limit = 512;
} // namespace

void* Connection::RequestPhase::operator new(size_t size) {
    if (!spare_blocks || size != sizeof(RequestPhase)) return ::operator new(size);
    SpareBlock* b = spare_blocks;
    spare_blocks = b->next;
    --spare_count;
    return b;
}

void Connection::RequestPhase::operator delete(void* block) noexcept {
    if (spare_count >= spare_limit) {
        ::operator delete(block);
        return;
    }
    auto* b = static_cast<SpareBlock*>(block);
    b->next = spare_blocks;
    spare_blocks = b;
    ++spare_count;
}

void Connection::handle_input(const char* data, size_t len) {
    if (!phase()) return; // no longer reading requests
    if (awaiting() || yielded_ || backlogged_) {
        hold_input(data, len);
        return;
    }
    size_t offset = 0;
    // The request phase ends (the connection streams, lingers) only after state_ left Reading.
    while (offset < len && state_ == State::Reading && !finish_after_write_) {
        RequestReader& reader = phase()->reader;
        size_t consumed = 0;
        RequestReader::Result r = reader.feed(data + offset, len - offset, consumed);
        offset += consumed;
        if (r == RequestReader::Result::NeedMore) {
            if (reader.take_expect_continue())
                send(net::Frame::copy_of("HTTP/1.1 100 Continue\r\n\r\n"));
            break;
        }
        if (r == RequestReader::Result::Error) {
            reject(phase(), reader.error_status(), reader.error_kind(), reader.error_reason(), {},
                   true);
            return;
        }
        ++phase()->work;
        handle_request();
        if (awaiting()) {
            set_aside(data + offset, len - offset);
            return;
        }
        if (state_ == State::Reading && !finish_after_write_) {
            reader.next();
            wait_for_request();
            if (out().queued_bytes() > pipelined_output_limit && offset < len) {
                backlog_input(data + offset, len - offset);
                return;
            }
            if (phase()->work >= input_work_budget && offset < len) {
                yield_input(data + offset, len - offset);
                return;
            }
        }
    }
    // A client that pipelines without reading its answers is read no further until they drain.
    if (state_ == State::Reading && out().queued_bytes() > pipelined_output_limit) pause_reading();
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
    app().route(*phase(), phase()->reader.request());
}

void Connection::publish(RequestPhase& p, sse::EventSink& sink,
                         const sse::PublishRequest& request) {
    sse::PendingPublish* pending = sink.publish(request, p);
    if (!pending) return; // answered already
    p.awaiting = pending;
    // The request timeout now bounds the wait for the answer. Reading goes on (a client that
    // waits for its answer sends nothing more, and one that closes is noticed).
    deadline_ms_ = app().now_ms() + app().settings().request_timeout_ms();
}

// Input that arrives while a publish awaits its answer waits too, in order; a client that
// pipelines without waiting is read no further than about one more request.
void Connection::hold_input(const char* data, size_t len) {
    phase()->held_input.append(data, len);
    if (phase()->held_input.size() - phase()->held_from >
        app().settings().max_header_bytes + app().settings().max_event_bytes)
        pause_reading();
}

// The rest of this read goes on at the next loop turn; reading waits until it is handled.
void Connection::yield_input(const char* data, size_t len) {
    set_aside(data, len);
    yielded_ = true;
    ++app().metrics().input_yields;
    pause_reading();
    set_.flush_list_.add(phase());
}

void Connection::flush_now() {
    if (!yielded_) return;
    yielded_ = false;
    phase()->work = 0;
    if (state_ != State::Reading || finish_after_write_) return;
    handle_held_input();
}

void Connection::pause_reading() {
    if (reading_paused_) return;
    uv_read_stop(stream());
    reading_paused_ = true;
}

void Connection::on_published(RequestPhase& p, const sse::PublishOutcome& outcome) {
    p.work += static_cast<uint32_t>(std::min<size_t>(outcome.subscribers, input_work_budget));
    bool was_waiting = p.awaiting != nullptr;
    p.awaiting = nullptr;
    app::Application::answer_publish(p, outcome);
    if (!was_waiting) return; // answered inside publish(): handle_input() goes on by itself
    if (state_ != State::Reading || finish_after_write_ || phase() != &p) return;
    p.reader.next();
    wait_for_request();
    handle_held_input();
}

// What was set aside (behind a publish's answer, or for this loop turn) goes on, in order;
// then reading resumes unless something set input aside again.
void Connection::handle_held_input() {
    std::string input = std::move(phase()->held_input);
    size_t from = std::exchange(phase()->held_from, 0);
    phase()->held_input.clear();
    phase()->replaying = &input;
    if (from < input.size()) handle_input(input.data() + from, input.size() - from);
    if (phase()) phase()->replaying = nullptr; // else the request phase is over
    resume_reading_if_wanted();
}

// Keeps data[0..len), the rest of the input, for later. When it is the tail of what
// handle_held_input() is going through, the buffer changes hands instead of being copied: a
// backlog of many small requests is then not copied again at every step (quadratic).
void Connection::set_aside(const char* data, size_t len) {
    RequestPhase& p = *phase();
    std::string* replay = std::exchange(p.replaying, nullptr);
    if (replay && len > 0 && data >= replay->data() &&
        data + len == replay->data() + replay->size()) {
        size_t from = static_cast<size_t>(data - replay->data());
        p.held_input = std::move(*replay); // the caller returns at once: data is not read again
        p.held_from = from;
        return;
    }
    p.held_input.assign(data, len);
    p.held_from = 0;
}

void Connection::resume_reading_if_wanted() {
    bool want_input = state_ == State::Streaming ||
                      (state_ == State::Reading && !awaiting() && !yielded_ && !backlogged_ &&
                       out().queued_bytes() <= pipelined_output_limit);
    if (reading_paused_ && want_input) {
        reading_paused_ = false;
        uv_read_start(stream(), on_alloc, on_read);
    }
}

void Connection::wait_for_request() {
    deadline_ms_ = app().now_ms() + app().settings().request_timeout_ms();
    list_remove();
    list_insert(set_.waiting_);
}

} // namespace ssehub::http1
