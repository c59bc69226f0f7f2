#include "redis/upstream.hpp"

namespace ssehub::redis {

namespace {

RedisUrl parse_url(const std::string& text) {
    return std::get<RedisUrl>(RedisUrl::parse(text));
}

} // namespace

Upstream::Upstream(uv_loop_t* loop, const config::Config& c, std::string password, sse::Hub& hub,
                   metrics::Metrics& metrics)
    : hub_(hub), options_(StreamOptions::from(c)),
      link_(loop, parse_url(c.redis), c.redis_stream, metrics.redis),
      reader_(loop, link_, hub, metrics.redis, options_),
      publisher_(link_, hub, metrics.redis, options_),
      history_(loop, link_, hub, metrics.redis, options_) {
    link_.set_password(std::move(password));
    link_.set_read_block_ms(options_.block_ms);
    link_.add_listener(&reader_);
    link_.add_listener(&history_);
    hub_.set_history(&history_);
}

Upstream::~Upstream() {
    hub_.set_history(nullptr);
}

void Upstream::apply(const config::Config& c, std::string password) {
    StreamOptions next = StreamOptions::from(c);
    next.stream = options_.stream;
    options_ = next;
    link_.set_password(std::move(password));
}

} // namespace ssehub::redis
