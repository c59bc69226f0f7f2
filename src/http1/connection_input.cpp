// A connection's request input: parsing what arrives, answering pipelined requests in order,
// holding input back while a publish awaits its answer, and pacing a burst over several loop
// turns. Split from connection.cpp, which is the rest of one connection's state machine.
#include "http1/connection.hpp"

#include "app/application.hpp"
#include "http1/connection_parts.hpp"
#include "http1/connection_set.hpp"

#include <algorithm>
#include <new>
#include <sys/mman.h>
#include <utility>

namespace ssehub::http1 {

namespace {
// About 40 ms of fan-out here (5 us a delivery): past it, the rest of a read waits a loop turn.
constexpr uint32_t input_work_budget = 8192;

} // namespace

// Request phases live in slabs of their own (64 KiB, mmap'd), away from the connection blocks
// that stay: when thousands of clients connect at once, their request phases, freed as each
// becomes a subscriber, would otherwise be holes between the subscribers' connections that
// malloc keeps resident (942 B per idle subscriber with 3 000 curl clients at once, against
// 500 B). A slab whose blocks are all free goes back to the system unless it is the last with
// room. One loop thread: no locking. Each block starts with its slab's address.
namespace {

struct Slab {
    Slab* prev = nullptr; // in slabs_with_room
    Slab* next = nullptr;
    void* free = nullptr; // returned blocks, linked through their first word
    size_t bumped = 0;    // blocks handed out at least once
    size_t used = 0;
    size_t capacity = 0;
};

constexpr size_t slab_bytes = 64 * 1024;
constexpr size_t block_header = 16; // the slab pointer, padded to keep blocks 16-byte aligned
constexpr size_t slab_header = (sizeof(Slab) + 15) & ~size_t{15};

constexpr size_t stride_for(size_t object_size) {
    return block_header + ((object_size + 15) & ~size_t{15});
}

Slab* slabs_with_room = nullptr;
size_t slabs_with_room_count = 0;

void link_slab(Slab* s) {
    s->prev = nullptr;
    s->next = slabs_with_room;
    if (slabs_with_room) slabs_with_room->prev = s;
    slabs_with_room = s;
    ++slabs_with_room_count;
}

void unlink_slab(Slab* s) {
    (s->prev ? s->prev->next : slabs_with_room) = s->next;
    if (s->next) s->next->prev = s->prev;
    --slabs_with_room_count;
}

bool full(const Slab* s) {
    return !s->free && s->bumped == s->capacity;
}

} // namespace

void* Connection::RequestPhase::operator new(size_t size) {
    constexpr size_t stride = stride_for(sizeof(RequestPhase));
    static_assert((slab_bytes - slab_header) / stride >= 16, "a request phase should be small");
    if (size != sizeof(RequestPhase)) throw std::bad_alloc(); // final: never happens
    Slab* s = slabs_with_room;
    if (!s) {
        void* m =
            mmap(nullptr, slab_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) throw std::bad_alloc();
        s = new (m) Slab;
        s->capacity = (slab_bytes - slab_header) / stride;
        link_slab(s);
    }
    char* block;
    if (s->free) {
        block = static_cast<char*>(s->free) - block_header;
        s->free = *static_cast<void**>(s->free);
    } else {
        block = reinterpret_cast<char*>(s) + slab_header + s->bumped++ * stride;
        *reinterpret_cast<Slab**>(block) = s;
    }
    ++s->used;
    if (full(s)) unlink_slab(s);
    return block + block_header;
}

void Connection::RequestPhase::operator delete(void* block) noexcept {
    void* p = block;
    Slab* s = *reinterpret_cast<Slab**>(static_cast<char*>(p) - block_header);
    bool was_full = full(s);
    *static_cast<void**>(p) = s->free;
    s->free = p;
    --s->used;
    if (was_full) link_slab(s);
    if (s->used == 0 && slabs_with_room_count > 1) {
        unlink_slab(s);
        s->~Slab();
        munmap(s, slab_bytes);
    }
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
