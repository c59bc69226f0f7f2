#include "redis/stream_publisher.hpp"

#include <hiredis/hiredis.h>

namespace ssehub::redis {

sse::PublishOutcome StreamPublisher::refusal(bool broadcast, std::string reason) const {
    sse::PublishOutcome o;
    o.broadcast = broadcast;
    o.kind = metrics::Rejected::Unavailable;
    o.reason = std::move(reason);
    o.retry_in_s = link_.retry_after_s();
    return o;
}

sse::PendingPublish* StreamPublisher::publish(const sse::PublishRequest& r,
                                              sse::PublishWaiter& waiter) {
    if (!link_.up()) {
        waiter.on_published(refusal(r.broadcast, link_.down_reason()));
        return nullptr;
    }
    std::string maxlen = std::to_string(options_.maxlen);
    const char* argv[16];
    size_t lens[16];
    int argc = 0;
    auto arg = [&](std::string_view a) {
        argv[argc] = a.data();
        lens[argc++] = a.size();
    };
    for (std::string_view a :
         {std::string_view("XADD"), std::string_view(options_.stream), std::string_view("MAXLEN"),
          std::string_view("~"), std::string_view(maxlen), std::string_view("*"),
          std::string_view("ssehub"), std::string_view("1"), std::string_view("event"), r.type,
          std::string_view("data"), r.data})
        arg(a);
    if (!r.topic.empty()) {
        arg("topic");
        arg(r.topic);
    }
    if (r.broadcast) {
        arg("broadcast");
        arg("1");
    }
    auto* x = new Xadd(*this, waiter, r);
    if (!link_.commands().command(*x, argc, argv, lens)) {
        delete x;
        waiter.on_published(refusal(r.broadcast, "Redis unavailable: cannot send to Redis"));
        return nullptr;
    }
    return x;
}

void StreamPublisher::Xadd::on_reply(redisReply* reply) {
    sse::PublishOutcome o;
    if (!reply) {
        o = publisher.refusal(broadcast, "Redis went away before confirming the event; it may "
                                         "or may not have been stored");
    } else if (reply->type == REDIS_REPLY_ERROR) {
        std::string_view error(reply->str, reply->len);
        publisher.link_.write_refused(error);
        o = publisher.refusal(broadcast, "Redis refused the event: " + std::string(error));
    } else if (auto id = reply->type == REDIS_REPLY_STRING
                             ? sse::EventId::parse(std::string_view(reply->str, reply->len))
                             : std::nullopt) {
        publisher.metrics_.observe_xadd(static_cast<double>(uv_hrtime() - sent_ns) / 1e9);
        publisher.link_.write_taken();
        o.accepted = true;
        o.broadcast = broadcast;
        o.id = *id;
        o.subscribers = publisher.hub_.count_matching(topic, broadcast);
    } else {
        o = publisher.refusal(broadcast, "unexpected reply to XADD");
    }
    if (waiter_) waiter_->on_published(o);
    delete this;
}

std::optional<std::string> StreamPublisher::unavailable() const {
    if (!link_.up()) return link_.down_reason();
    if (!link_.write_refusal().empty()) return link_.write_refusal();
    return std::nullopt;
}

} // namespace ssehub::redis
