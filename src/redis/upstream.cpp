#include "redis/upstream.hpp"

namespace ssehub::redis {

Upstream::Upstream(uv_loop_t* loop, const RedisUrl& url, const StreamOptions& options,
                   std::string password, sse::Hub& hub, metrics::Metrics& metrics)
    : hub_(hub), options_(options), link_(loop, url, options.stream, metrics.redis),
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

void Upstream::apply(const StreamOptions& options, std::string password) {
    StreamOptions next = options;
    next.stream = options_.stream;
    options_ = next;
    link_.set_password(std::move(password));
}

} // namespace ssehub::redis
