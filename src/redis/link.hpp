// The hub's two connections to Redis -- the reader's, blocked in XREAD, and the commands' (XADD,
// XRANGE) -- and their one state:
//   Connecting -> Up (both answered their handshake) -> Down (a failure) -> Connecting ...
// While not Up, publishes are refused (the application answers 503) and /healthz says why;
// subscribers are unaffected. After a failure both connections are closed and opened again after a
// bounded exponential backoff (100 ms doubling to 5 s, with jitter). A watchdog fails the link when
// Redis stops answering: every second an idle commands connection sends PING, so a frozen Redis is
// noticed 5 to 6 s after it froze. Redis can also be up and refuse writes (OOM under noeviction,
// READONLY, MISCONF): an XADD refused marks the link as refusing writes, and while it does a
// probe every second (XADD with id 0-0, which Redis refuses after its write checks and before
// it touches any key) finds out when it takes them again. Each change of state is one log line; a
// failure repeating with the same reason is not logged again, also when the link keeps coming up
// only to fail again at once. A host name in the URL is resolved off the loop (uv_getaddrinfo,
// libuv's thread pool) before each round of attempts, so a DNS answer that changed is followed on
// reconnect; a round tries each address the name has once, in the resolver's order, before backing
// off.
#pragma once

#include "metrics/metrics.hpp"
#include "redis/connection.hpp"
#include "redis/redis_url.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <uv.h>
#include <vector>

namespace ssehub::redis {

class Link final : public Connection::Owner {
  public:
    // Told when the link comes Up, to (re)start what runs on it.
    class Listener {
      public:
        virtual void on_link_up() = 0;

      protected:
        ~Listener() = default;
    };

    Link(uv_loop_t* loop, RedisUrl url, std::string stream, metrics::RedisMetrics& metrics);
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    void add_listener(Listener* l) { listeners_.push_back(l); }
    void set_password(std::string password) { password_ = std::move(password); }
    // Extra time the reader's connection may stay silent (its XREAD BLOCK).
    void set_read_block_ms(uint64_t ms) { read_block_ms_ = ms; }

    void start();
    // Closes both connections and the timers, for shutdown. The loop then runs dry.
    void stop();

    bool up() const { return state_ == State::Up; }
    // Why the link is not Up (one line), and when a retry is worth it.
    std::string down_reason() const;
    unsigned retry_after_s() const;

    // Publishers report each XADD answer: an error reply means Redis refuses writes.
    void write_refused(std::string_view error);
    void write_taken();
    // Why Redis refuses writes now (one line), or empty.
    const std::string& write_refusal() const { return write_refusal_; }

    Connection& reader() { return reader_; }
    Connection& commands() { return commands_; }

    // Any user of the link that sees Redis misbehave. Safe inside hiredis callbacks: the
    // connections are closed later, from a timer.
    void fail(const std::string& reason);

  private:
    // A command, or the whole connect and handshake, gets an answer within this or the link
    // fails.
    static constexpr uint64_t reply_timeout_ms = 5000;

    // The watchdog's own command on the commands connection: PING, or the write probe.
    struct Probe final : ReplyHandler {
        void on_reply(redisReply* reply) override;
        Link* link = nullptr;
        bool pending = false;
        bool write = false;
    };
    void send_probe();

    enum class State : uint8_t { Idle, Connecting, Up, Down, Stopped };

    void on_ready(Connection& c) override;
    void on_lost(Connection& c, const std::string& reason) override;
    static void on_teardown(uv_timer_t* t) noexcept;
    static void on_retry(uv_timer_t* t) noexcept;
    static void on_watchdog(uv_timer_t* t) noexcept;
    struct Resolution;
    void open_both();
    void connect_both(const RedisUrl& url);
    static void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) noexcept;
    void check_stalled(Connection& c, uint64_t limit_ms, uint64_t now_ms);
    uint64_t next_backoff_ms();

    uv_loop_t* loop_;
    RedisUrl url_;
    std::string stream_;
    std::string password_;
    metrics::RedisMetrics& metrics_; // not owned: the server's
    Connection reader_;
    Connection commands_;
    std::vector<Listener*> listeners_; // not owned: the upstream's parts
    uv_timer_t teardown_, retry_, watchdog_;
    State state_ = State::Idle;
    std::string reason_;                 // why not Up
    bool host_is_name_ = false;          // resolve url_.host before connecting
    Resolution* resolving_ = nullptr;    // in flight; owned by its callback, which frees it
    std::vector<std::string> addresses_; // url_.host resolved, numeric; this round's candidates
    size_t next_address_ = 0;            // addresses_[next_address_] is the next to try
    std::string address_;                // the address being tried, for log lines
    std::string logged_reason_;          // the last failure logged, to log a repeat only once
    unsigned failures_ = 0;              // since the link was last Up for a while
    bool ever_up_ = false;
    bool down_logged_ = false; // a failure was logged since the link was last Up
    bool retry_now_ = false;   // the next attempt tries another address, without backoff
    uint64_t up_since_ms_ = 0;
    uint64_t retry_at_ms_ = 0;
    uint64_t read_block_ms_ = 5000;
    uint64_t jitter_state_;
    Probe probe_;
    std::string write_refusal_; // why Redis refuses writes; empty while it takes them
};

} // namespace ssehub::redis
