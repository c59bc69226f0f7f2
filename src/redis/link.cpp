#include "redis/link.hpp"

#include "base/log.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

namespace ssehub::redis {

namespace {

constexpr uint64_t first_backoff_ms = 100;
constexpr uint64_t max_backoff_ms = 5000;
constexpr uint64_t watchdog_period_ms = 1000;
constexpr uint64_t stable_ms = 10000; // Up this long: the next failure starts the backoff over

bool is_auth_failure(const std::string& reason) {
    for (const char* prefix : {"WRONGPASS", "NOAUTH", "ERR invalid password", "ERR AUTH",
                               "ERR Client sent AUTH", "ERR invalid username"})
        if (reason.starts_with(prefix)) return true;
    return false;
}

bool is_numeric_address(const std::string& host) {
    in6_addr a6;
    in_addr a4;
    return inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
           inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

std::string numeric_address(const sockaddr* sa) {
    char text[INET6_ADDRSTRLEN] = "";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text,
                  sizeof text);
    return text;
}

} // namespace

// One uv_getaddrinfo in flight. stop() may leave before it ends: it then clears `link` and
// the callback only frees the request.
struct Link::Resolution {
    uv_getaddrinfo_t req;
    Link* link;
};

Link::Link(uv_loop_t* loop, RedisUrl url, std::string stream, metrics::RedisMetrics& metrics)
    : loop_(loop), url_(std::move(url)), stream_(std::move(stream)), metrics_(metrics),
      reader_(loop, *this, "reader"), commands_(loop, *this, "commands"),
      jitter_state_(uv_hrtime() | 1) {
    probe_.link = this;
}

void Link::start() {
    for (uv_timer_t* t : {&teardown_, &retry_, &watchdog_}) {
        uv_timer_init(loop_, t);
        t->data = this;
    }
    uv_timer_start(&watchdog_, on_watchdog, watchdog_period_ms, watchdog_period_ms);
    reader_.start();
    commands_.start();
    metrics_.enabled = true;
    host_is_name_ = url_.kind == RedisUrl::Kind::Tcp && !is_numeric_address(url_.host);
    reason_ = "connecting to Redis at " + url_.to_string();
    log::info("redis: connecting to " + url_.to_string() + ", stream " + stream_);
    open_both();
}

void Link::open_both() {
    state_ = State::Connecting;
    if (!host_is_name_) {
        connect_both(url_);
        return;
    }
    if (next_address_ < addresses_.size()) {
        RedisUrl url = url_;
        url.host = address_ = addresses_[next_address_++];
        connect_both(url);
        return;
    }
    if (resolving_) return; // a stopped round's resolution is still out; it goes on from there
    auto* r = new Resolution{{}, this};
    r->req.data = r;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    int err = uv_getaddrinfo(loop_, &r->req, on_resolved, url_.host.c_str(), nullptr, &hints);
    if (err != 0) {
        delete r;
        fail("cannot resolve " + url_.host + ": " + uv_strerror(err));
        return;
    }
    resolving_ = r;
}

void Link::on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) noexcept {
    auto* r = static_cast<Resolution*>(req->data);
    Link* l = r->link;
    delete r;
    if (!l) {
        uv_freeaddrinfo(res);
        return;
    }
    l->resolving_ = nullptr;
    l->addresses_.clear();
    l->next_address_ = 0;
    for (addrinfo* ai = status == 0 ? res : nullptr; ai; ai = ai->ai_next) {
        std::string a = numeric_address(ai->ai_addr);
        if (!a.empty() &&
            std::find(l->addresses_.begin(), l->addresses_.end(), a) == l->addresses_.end())
            l->addresses_.push_back(std::move(a));
    }
    uv_freeaddrinfo(res);
    if (l->state_ != State::Connecting) return;
    if (l->addresses_.empty()) {
        l->fail("cannot resolve " + l->url_.host + ": " +
                (status != 0 ? uv_strerror(status) : "no address"));
        return;
    }
    if (l->address_ != l->addresses_.front())
        log::info("redis: " + l->url_.host + " resolves to " + l->addresses_.front() +
                  (l->addresses_.size() > 1
                       ? " (and " + std::to_string(l->addresses_.size() - 1) + " more)"
                       : std::string()));
    l->open_both();
}

void Link::connect_both(const RedisUrl& url) {
    reader_.open(url, password_, stream_);
    if (state_ == State::Connecting) commands_.open(url, password_, stream_); // unless it failed
}

void Link::on_ready(Connection&) {
    if (state_ != State::Connecting || !reader_.ready() || !commands_.ready()) return;
    state_ = State::Up;
    metrics_.up = true;
    up_since_ms_ = uv_now(loop_);
    if (!ever_up_)
        log::info("redis: connected to " + url_.to_string() + ", stream " + stream_);
    else if (down_logged_)
        log::info("redis: connected again to " + url_.to_string() + " after " +
                  std::to_string(failures_) + " failure(s); publishes are accepted again");
    ever_up_ = true;
    down_logged_ = false;
    reason_.clear();
    for (Listener* l : listeners_)
        l->on_link_up();
}

void Link::on_lost(Connection&, const std::string& reason) {
    fail(reason);
}

void Link::fail(const std::string& reason) {
    if (state_ != State::Connecting && state_ != State::Up) return; // already handled
    bool was_up = state_ == State::Up;
    // The name has another address left to try in this round: try it at once, quietly.
    if (!was_up && next_address_ < addresses_.size()) {
        log::debug("redis: cannot use " + address_ + " for " + url_.host + ": " + reason +
                   "; trying " + addresses_[next_address_]);
        state_ = State::Down;
        retry_now_ = true;
        uv_timer_start(&teardown_, on_teardown, 0, 0);
        return;
    }
    addresses_.clear(); // the next round resolves the name again
    next_address_ = 0;
    // A link that was up only briefly is flapping (say, a command Redis refuses): its backoff
    // keeps growing and a repeat of the same failure is not logged again.
    bool stable = was_up && uv_now(loop_) - up_since_ms_ >= stable_ms;
    if (stable) failures_ = 0;
    state_ = State::Down;
    metrics_.up = false;
    ++failures_;
    bool auth = is_auth_failure(reason);
    std::string what =
        auth ? "authentication failed: " + reason + " (check --redis-password-file)" : reason;
    reason_ = "Redis unavailable: " + what;
    std::string where = url_.to_string();
    log::Level level = auth ? log::Level::Error : log::Level::Warn;
    if (!stable && what == logged_reason_) {
        log::debug("redis: still unavailable: " + what);
    } else if (was_up) {
        log::write(level, "redis: lost " + where + ": " + what +
                              "; publishes answer 503 until it is back; reconnecting");
        down_logged_ = true;
    } else {
        log::write(level, "redis: cannot use " + where + ": " + what +
                              "; retrying with backoff up to " +
                              std::to_string(max_backoff_ms / 1000) + " s");
        down_logged_ = true;
    }
    logged_reason_ = what;
    // Closing a connection runs its handlers; never do that inside a hiredis callback.
    uv_timer_start(&teardown_, on_teardown, 0, 0);
}

void Link::on_teardown(uv_timer_t* t) noexcept {
    auto* l = static_cast<Link*>(t->data);
    l->reader_.close();
    l->commands_.close();
    if (l->state_ != State::Down) return;
    uint64_t delay = l->retry_now_ ? 0 : l->next_backoff_ms();
    l->retry_now_ = false;
    l->retry_at_ms_ = uv_now(l->loop_) + delay;
    uv_timer_start(&l->retry_, on_retry, delay, 0);
}

void Link::on_retry(uv_timer_t* t) noexcept {
    auto* l = static_cast<Link*>(t->data);
    if (l->state_ != State::Down) return;
    ++l->metrics_.reconnects;
    l->open_both();
}

uint64_t Link::next_backoff_ms() {
    unsigned doublings = std::min(failures_ > 0 ? failures_ - 1 : 0u, 10u);
    uint64_t base = std::min(first_backoff_ms << doublings, max_backoff_ms);
    // xorshift64: jitter of +-20% so that many nodes do not retry in step.
    jitter_state_ ^= jitter_state_ << 13;
    jitter_state_ ^= jitter_state_ >> 7;
    jitter_state_ ^= jitter_state_ << 17;
    uint64_t spread = base * 2 / 5;
    return base - base / 5 + (spread ? jitter_state_ % spread : 0);
}

std::string Link::down_reason() const {
    return state_ == State::Up ? std::string() : reason_;
}

unsigned Link::retry_after_s() const {
    if (state_ != State::Down) return 1;
    uint64_t now = uv_now(loop_);
    uint64_t left = retry_at_ms_ > now ? retry_at_ms_ - now : 0;
    return static_cast<unsigned>(std::max<uint64_t>(1, (left + 999) / 1000));
}

void Link::stop() {
    if (state_ == State::Stopped) return;
    bool started = state_ != State::Idle;
    state_ = State::Stopped;
    metrics_.up = false;
    if (!started) return;
    if (resolving_) {
        resolving_->link = nullptr;
        uv_cancel(reinterpret_cast<uv_req_t*>(&resolving_->req));
        resolving_ = nullptr;
    }
    reader_.stop();
    commands_.stop();
    for (uv_timer_t* t : {&teardown_, &retry_, &watchdog_})
        uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
}

} // namespace ssehub::redis
