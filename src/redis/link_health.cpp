// The link's health while it is up: a watchdog tick that fails a connection whose answers
// stopped, a probe (PING, or a test XADD while writes are refused) on an idle one, and the
// write refusal Redis reports (read-only replica, out of memory) that /healthz shows.
#include "redis/link.hpp"

#include "base/log.hpp"

#include <hiredis/hiredis.h>

namespace ssehub::redis {

void Link::on_watchdog(uv_timer_t* t) noexcept {
    auto* l = static_cast<Link*>(t->data);
    if (l->state_ != State::Connecting && l->state_ != State::Up) return;
    uint64_t now = uv_now(l->loop_);
    l->check_stalled(l->reader_, (l->reader_.ready() ? l->read_block_ms_ : 0) + reply_timeout_ms,
                     now);
    l->check_stalled(l->commands_, reply_timeout_ms, now);
    l->send_probe();
}

// Ticks are a second apart and a probe goes out on an idle connection at each tick, so the
// first unanswered one left within a second of a freeze and the failure comes reply_timeout_ms
// after it (>=: a tick that lands on the limit counts).
void Link::check_stalled(Connection& c, uint64_t limit_ms, uint64_t now_ms) {
    if (!c.is_open() || c.outstanding() == 0 || now_ms - c.last_progress_ms() < limit_ms) return;
    fail("no answer from Redis within " + std::to_string(limit_ms / 1000) + " s");
}

void Link::send_probe() {
    if (state_ != State::Up || probe_.pending || !commands_.ready()) return;
    bool write = !write_refusal_.empty();
    if (!write && commands_.outstanding() > 0) return; // its replies show Redis answers
    bool sent = write ? commands_.command(probe_, {"XADD", stream_, "0-0", "ssehub", "1"})
                      : commands_.command(probe_, {"PING"});
    probe_.pending = sent;
    probe_.write = write;
}

void Link::Probe::on_reply(redisReply* reply) {
    pending = false;
    if (!reply || !write) return;
    std::string_view error = reply->type == REDIS_REPLY_ERROR
                                 ? std::string_view(reply->str, reply->len)
                                 : std::string_view();
    // Refused past the write checks, for the id alone: Redis takes writes again.
    if (error.empty() || error.find("must be greater than 0-0") != std::string_view::npos)
        link->write_taken();
    else
        link->write_refused(error);
}

void Link::write_refused(std::string_view error) {
    std::string reason = "Redis refuses writes: " + std::string(error.substr(0, 200));
    if (reason == write_refusal_) return;
    if (write_refusal_.empty())
        log::error("redis: " + reason +
                   "; publishes are refused and /healthz answers 503 "
                   "until it takes them again");
    write_refusal_ = std::move(reason);
}

void Link::write_taken() {
    if (write_refusal_.empty()) return;
    write_refusal_.clear();
    log::info("redis: Redis takes writes again");
}

} // namespace ssehub::redis
