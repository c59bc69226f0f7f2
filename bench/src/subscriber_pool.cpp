#include "subscriber_pool.hpp"

#include "cli/sse_field_reader.hpp"
#include "payload.hpp"

#include <arpa/inet.h>
#include <bit>
#include <llhttp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24 // Linux 4.2; older C libraries lack the name
#endif

namespace bench {

namespace {

// One read buffer for every connection of the process: input is parsed before on_read
// returns, so no subscriber needs a buffer of its own.
char shared_read_buffer[64 * 1024];

} // namespace

struct SubscriberPool::Subscriber {
    enum class State : uint8_t { Idle, Connecting, Requesting, Open, Closed };

    uv_tcp_t tcp;
    uv_connect_t connect_req;
    uv_write_t write_req;
    llhttp_t http;
    ssehub::cli::SseFieldReader sse;
    SubscriberPool* pool = nullptr; // not owned: the pool owns this subscriber
    uint32_t index = 0;             // within the pool
    uint64_t connect_start_ns = 0;
    uint32_t seq = 0; // of the event being parsed
    uint64_t sent_ns = 0;
    State state = State::Idle;
    bool in_event = false; // a data line of the current event was seen
    bool payload_ok = false;
    bool disordered = false;

    // SseFieldReader sink: only the first data line of an event carries the payload.
    void field(std::string_view name, std::string_view value) {
        if (name != "data" || in_event) return;
        in_event = true;
        payload_ok = parse_payload(value, seq, sent_ns);
    }
    void dispatch() {
        if (!in_event) return;
        in_event = false;
        if (payload_ok)
            pool->record(*this, seq, sent_ns);
        else
            ++pool->tally_.foreign;
    }

    static int on_headers_complete(llhttp_t* p) {
        auto* s = static_cast<Subscriber*>(p->data);
        if (p->status_code != 200) {
            s->pool->fail("a subscriber got HTTP status " + std::to_string(p->status_code) +
                          " from " + s->pool->config_.url.host + s->pool->config_.url.target);
            return -1;
        }
        s->pool->on_open(*s);
        return 0;
    }
    static int on_body(llhttp_t* p, const char* at, size_t length) {
        auto* s = static_cast<Subscriber*>(p->data);
        s->sse.feed(std::string_view(at, length), *s);
        return 0;
    }
};

namespace {

llhttp_settings_t make_settings() {
    llhttp_settings_t settings;
    llhttp_settings_init(&settings);
    return settings;
}

} // namespace

SubscriberPool::SubscriberPool(uv_loop_t* loop, PoolConfig config, Events events)
    : loop_(loop), config_(std::move(config)), events_(std::move(events)),
      subs_(new Subscriber[config_.count]), words_per_sub_((config_.events + 63) / 64),
      seen_(words_per_sub_ * config_.count, 0),
      next_(size_t{config_.publishers} * config_.count, 0) {
    request_ = "GET " + config_.url.target + " HTTP/1.1\r\nHost: " + config_.url.host +
               "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
    if (config_.tokens) request_ += "Authorization: Bearer ";
    tally_.subscribers = config_.count;
    tally_.event_count.assign(config_.events, 0);
    tally_.event_sent_ns.assign(config_.events, 0);
    tally_.event_last_ns.assign(config_.events, 0);
    for (uint32_t i = 0; i < config_.count; ++i) {
        subs_[i].pool = this;
        subs_[i].index = i;
    }
}

SubscriberPool::~SubscriberPool() = default;

void SubscriberPool::start() {
    if (config_.count == 0) {
        events_.all_open();
        return;
    }
    while (connecting_ < config_.connect_concurrency && next_to_connect_ < config_.count &&
           !failed_)
        connect_next();
}

void SubscriberPool::connect_next() {
    Subscriber& s = subs_[next_to_connect_++];
    uint32_t global = config_.first_index + s.index * config_.index_stride;
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = htonl(0x7f000001u + global % config_.source_addresses);
    uv_tcp_init_ex(loop_, &s.tcp, AF_INET);
    s.tcp.data = &s;
    ++handles_open_;
    // Choose the port at connect(), per destination, rather than at bind(): the kernel then
    // need not find a port free for every destination, which is slow when thousands are taken
    // (and other benchmarks on the machine may share these source addresses).
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&s.tcp), &fd) == 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    }
    s.state = Subscriber::State::Connecting;
    ++connecting_;
    s.connect_start_ns = now_ns();
    if (tally_.first_connect_ns == 0) tally_.first_connect_ns = s.connect_start_ns;
    s.connect_req.data = &s;
    int err = uv_tcp_bind(&s.tcp, reinterpret_cast<const sockaddr*>(&source), 0);
    if (err == 0)
        err = uv_tcp_connect(&s.connect_req, &s.tcp,
                             reinterpret_cast<const sockaddr*>(&config_.url.addr), on_connect);
    if (err != 0) {
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &source.sin_addr, ip, sizeof ip);
        on_lost(s, std::string("cannot connect from ") + ip + ": " + uv_strerror(err) +
                       (err == UV_EADDRINUSE || err == UV_EADDRNOTAVAIL
                            ? " (out of ports: raise --source-addresses)"
                            : ""));
    }
}

void SubscriberPool::on_connect(uv_connect_t* req, int status) noexcept {
    auto* s = static_cast<Subscriber*>(req->data);
    SubscriberPool* pool = s->pool;
    if (status < 0) {
        if (status != UV_ECANCELED)
            pool->on_lost(*s, std::string("cannot connect to ") + pool->config_.url.host + ": " +
                                  uv_strerror(status));
        return;
    }
    if (s->state != Subscriber::State::Connecting) return;
    s->state = Subscriber::State::Requesting;
    static const llhttp_settings_t settings = [] {
        llhttp_settings_t st = make_settings();
        st.on_headers_complete = Subscriber::on_headers_complete;
        st.on_body = Subscriber::on_body;
        return st;
    }();
    llhttp_init(&s->http, HTTP_RESPONSE, &settings);
    s->http.data = s;
    uv_tcp_nodelay(&s->tcp, 1);
    // Head, token (none or the subscriber's own), end of the header: one write, no copies.
    static char crlf[] = "\r\n\r\n";
    uv_buf_t bufs[3];
    unsigned nbufs = 0;
    bufs[nbufs++] =
        uv_buf_init(pool->request_.data(), static_cast<unsigned>(pool->request_.size()));
    if (const auto& tokens = pool->config_.tokens) {
        uint32_t global = pool->config_.first_index + s->index * pool->config_.index_stride;
        const std::string& token = (*tokens)[global % tokens->size()];
        bufs[nbufs++] =
            uv_buf_init(const_cast<char*>(token.data()), static_cast<unsigned>(token.size()));
        bufs[nbufs++] = uv_buf_init(crlf, 4);
    } else {
        bufs[nbufs++] = uv_buf_init(crlf, 2);
    }
    int err =
        uv_write(&s->write_req, reinterpret_cast<uv_stream_t*>(&s->tcp), bufs, nbufs, nullptr);
    if (err == 0) err = uv_read_start(reinterpret_cast<uv_stream_t*>(&s->tcp), on_alloc, on_read);
    if (err != 0) pool->on_lost(*s, std::string("cannot send the request: ") + uv_strerror(err));
}

void SubscriberPool::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
    *buf = uv_buf_init(shared_read_buffer, sizeof shared_read_buffer);
}

void SubscriberPool::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* s = static_cast<Subscriber*>(stream->data);
    SubscriberPool* pool = s->pool;
    if (nread < 0) {
        pool->on_lost(*s, nread == UV_EOF ? std::string("the server closed a subscriber")
                                          : std::string("subscriber read failed: ") +
                                                uv_strerror(static_cast<int>(nread)));
        return;
    }
    if (nread == 0 || s->state == Subscriber::State::Closed) return;
    pool->read_now_ns_ = now_ns(); // one stamp per read: its events all arrived together
    llhttp_errno_t err = llhttp_execute(&s->http, buf->base, static_cast<size_t>(nread));
    if (err != HPE_OK && s->state != Subscriber::State::Closed) {
        std::string why = std::string("bad response from the server: ") + llhttp_errno_name(err) +
                          " " + llhttp_get_error_reason(&s->http);
        pool->on_lost(*s, why);
    }
}

void SubscriberPool::on_open(Subscriber& s) {
    if (s.state != Subscriber::State::Requesting) return;
    s.state = Subscriber::State::Open;
    uint64_t now = now_ns();
    tally_.connect_ns.record(now - s.connect_start_ns);
    tally_.last_open_ns = now;
    --connecting_;
    ++opened_;
    if (opened_ == config_.count) {
        events_.all_open();
        return;
    }
    if (next_to_connect_ < config_.count && !failed_ && !closing_) connect_next();
}

// A subscriber that failed to open stops the run; one that closes later is counted.
void SubscriberPool::on_lost(Subscriber& s, const std::string& why) {
    if (s.state == Subscriber::State::Closed) return;
    bool was_open = s.state == Subscriber::State::Open;
    if (!was_open && s.state != Subscriber::State::Idle) --connecting_;
    close(s, false);
    if (closing_) return;
    if (was_open)
        ++tally_.disconnects;
    else
        fail(why);
}

void SubscriberPool::fail(const std::string& why) {
    if (failed_ || closing_) return;
    failed_ = true;
    events_.failure(why);
}

void SubscriberPool::record(Subscriber& s, uint32_t seq, uint64_t sent_ns) {
    if (seq >= config_.events) {
        ++tally_.foreign;
        return;
    }
    uint64_t& word = seen_[s.index * words_per_sub_ + seq / 64];
    uint64_t bit = uint64_t{1} << (seq % 64);
    if (word & bit) {
        ++tally_.duplicates;
        s.disordered = true;
        return;
    }
    word |= bit;
    // Order is defined per publisher connection: events of different connections race to the
    // server, but each connection's events reach it one after another.
    uint32_t& next = next_[size_t{s.index} * config_.publishers + seq % config_.publishers];
    if (seq < next) {
        ++tally_.out_of_order;
        s.disordered = true;
    } else {
        next = seq + 1;
    }
    ++tally_.delivered;
    uint64_t now = read_now_ns_;
    tally_.latency_ns.record(now > sent_ns ? now - sent_ns : 0);
    if (tally_.event_sent_ns[seq] == 0) tally_.event_sent_ns[seq] = sent_ns;
    tally_.event_last_ns[seq] = now;
    tally_.last_delivery_ns = now;
    if (++tally_.event_count[seq] == config_.count) events_.event_complete(seq);
}

void SubscriberPool::close(Subscriber& s, bool reset) {
    if (s.state == Subscriber::State::Idle || s.state == Subscriber::State::Closed) return;
    s.state = Subscriber::State::Closed;
    if (!reset || uv_tcp_close_reset(&s.tcp, on_close) != 0)
        uv_close(reinterpret_cast<uv_handle_t*>(&s.tcp), on_close);
}

void SubscriberPool::on_close(uv_handle_t* handle) noexcept {
    static_cast<Subscriber*>(handle->data)->pool->on_closed();
}

void SubscriberPool::on_closed() {
    --handles_open_;
    if (closing_ && handles_open_ == 0 && closed_) {
        auto done = std::move(closed_);
        closed_ = nullptr;
        done();
    }
}

void SubscriberPool::close_all(std::function<void()> done) {
    closing_ = true;
    closed_ = std::move(done);
    for (uint32_t i = 0; i < config_.count; ++i)
        close(subs_[i], true);
    if (handles_open_ == 0 && closed_) {
        auto cb = std::move(closed_);
        closed_ = nullptr;
        cb();
    }
}

PoolStats SubscriberPool::stats(uint32_t published) const {
    PoolStats s = tally_;
    s.opened = opened_;
    for (uint32_t i = 0; i < config_.count; ++i) {
        const uint64_t* words = &seen_[i * words_per_sub_];
        uint32_t have = 0;
        for (uint32_t w = 0; w * 64 < published; ++w) {
            uint64_t mask = (published - w * 64 >= 64) ? ~uint64_t{0}
                                                       : (uint64_t{1} << (published - w * 64)) - 1;
            have += static_cast<uint32_t>(std::popcount(words[w] & mask));
        }
        if (have < published) ++s.subscribers_incomplete;
        if (subs_[i].disordered) ++s.subscribers_disordered;
    }
    return s;
}

} // namespace bench
