// N subscribers on one libuv loop: connects them (bound round-robin to source addresses
// 127.0.0.1..K so that no single address runs out of ephemeral ports), opens their streams,
// parses every delivery and checks it against a per-subscriber bitmap of the events seen.
// The pool owns its subscribers; each one's handle ends in on_close, and the pool must
// outlive close_all()'s callback.
#pragma once

#include "pool_stats.hpp"
#include "url.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <uv.h>
#include <vector>

namespace bench {

struct PoolConfig {
    Url url;
    uint32_t first_index = 0; // global index of the first subscriber: picks source addresses
    uint32_t count = 0;
    uint32_t source_addresses = 1;
    uint32_t connect_concurrency = 256;
    uint32_t events = 0;       // events planned: sequence numbers 0..events-1
    uint32_t publishers = 1;   // event seq comes in order with the others of seq % publishers
    uint32_t index_stride = 1; // global index of subscriber k here: first_index + k * stride
    // Subscriber with global index g sends (*tokens)[g % size] as a bearer token; null: none.
    std::shared_ptr<const std::vector<std::string>> tokens;
};

class SubscriberPool {
  public:
    struct Events {
        std::function<void()> all_open;
        std::function<void(uint32_t seq)> event_complete;    // every subscriber here has `seq`
        std::function<void(const std::string& why)> failure; // the run cannot go on
    };

    SubscriberPool(uv_loop_t* loop, PoolConfig config, Events events);
    ~SubscriberPool();
    SubscriberPool(const SubscriberPool&) = delete;
    SubscriberPool& operator=(const SubscriberPool&) = delete;

    void start();
    // Resets every connection (RST, so that repeated runs leave no TIME_WAIT behind) and
    // calls `done` once every handle is closed.
    void close_all(std::function<void()> done);
    PoolStats stats(uint32_t published) const;

    uint32_t opened() const { return opened_; }
    uint64_t delivered() const { return delivered_; }

  private:
    struct Subscriber;
    friend struct Subscriber;

    void connect_next();
    void on_open(Subscriber& s);
    void on_lost(Subscriber& s, const std::string& why);
    void record(Subscriber& s, uint32_t seq, uint64_t sent_ns);
    void close(Subscriber& s, bool reset);
    void on_closed();
    void fail(const std::string& why);

    static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept;
    static void on_connect(uv_connect_t* req, int status) noexcept;
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;

    uv_loop_t* loop_; // not owned
    PoolConfig config_;
    Events events_;
    // The GET every subscriber sends, up to its last header line (with a token, up to the
    // token): written with the subscriber's token and the final CRLF, and outliving the writes.
    std::string request_;
    std::unique_ptr<Subscriber[]> subs_;
    size_t words_per_sub_;
    std::vector<uint64_t> seen_; // bitmap of received events, words_per_sub_ per subscriber
    std::vector<uint32_t> next_; // per subscriber and publisher: 1 + newest seq received
    uint32_t next_to_connect_ = 0;
    uint32_t connecting_ = 0;
    uint32_t opened_ = 0;
    uint32_t handles_open_ = 0;
    bool failed_ = false;
    bool closing_ = false;
    std::function<void()> closed_;
    uint64_t read_now_ns_ = 0; // arrival time of the bytes being parsed
    PoolStats tally_;          // counters and histograms; arrays live in the vectors below
    uint64_t& delivered_ = tally_.delivered;
};

} // namespace bench
