#include "pool_stats.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace bench {

namespace {

uint64_t min_nonzero(uint64_t a, uint64_t b) {
    if (a == 0) return b;
    if (b == 0) return a;
    return std::min(a, b);
}

} // namespace

void PoolStats::merge(const PoolStats& o) {
    subscribers += o.subscribers;
    opened += o.opened;
    delivered += o.delivered;
    duplicates += o.duplicates;
    out_of_order += o.out_of_order;
    foreign += o.foreign;
    disconnects += o.disconnects;
    subscribers_incomplete += o.subscribers_incomplete;
    subscribers_disordered += o.subscribers_disordered;
    first_connect_ns = min_nonzero(first_connect_ns, o.first_connect_ns);
    last_open_ns = std::max(last_open_ns, o.last_open_ns);
    last_delivery_ns = std::max(last_delivery_ns, o.last_delivery_ns);
    connect_ns.merge(o.connect_ns);
    latency_ns.merge(o.latency_ns);
    size_t n = std::max(event_count.size(), o.event_count.size());
    event_count.resize(n);
    event_sent_ns.resize(n);
    event_last_ns.resize(n);
    for (size_t i = 0; i < o.event_count.size(); ++i) {
        event_count[i] += o.event_count[i];
        event_sent_ns[i] = min_nonzero(event_sent_ns[i], o.event_sent_ns[i]);
        event_last_ns[i] = std::max(event_last_ns[i], o.event_last_ns[i]);
    }
}

nlohmann::json PoolStats::to_json() const {
    return {{"subscribers", subscribers},
            {"opened", opened},
            {"delivered", delivered},
            {"duplicates", duplicates},
            {"out_of_order", out_of_order},
            {"foreign", foreign},
            {"disconnects", disconnects},
            {"subscribers_incomplete", subscribers_incomplete},
            {"subscribers_disordered", subscribers_disordered},
            {"first_connect_ns", first_connect_ns},
            {"last_open_ns", last_open_ns},
            {"last_delivery_ns", last_delivery_ns},
            {"connect_ns", connect_ns.to_json()},
            {"latency_ns", latency_ns.to_json()},
            {"event_count", event_count},
            {"event_sent_ns", event_sent_ns},
            {"event_last_ns", event_last_ns}};
}

PoolStats PoolStats::from_json(const nlohmann::json& j) {
    PoolStats s;
    j.at("subscribers").get_to(s.subscribers);
    j.at("opened").get_to(s.opened);
    j.at("delivered").get_to(s.delivered);
    j.at("duplicates").get_to(s.duplicates);
    j.at("out_of_order").get_to(s.out_of_order);
    j.at("foreign").get_to(s.foreign);
    j.at("disconnects").get_to(s.disconnects);
    j.at("subscribers_incomplete").get_to(s.subscribers_incomplete);
    j.at("subscribers_disordered").get_to(s.subscribers_disordered);
    j.at("first_connect_ns").get_to(s.first_connect_ns);
    j.at("last_open_ns").get_to(s.last_open_ns);
    j.at("last_delivery_ns").get_to(s.last_delivery_ns);
    s.connect_ns = Histogram::from_json(j.at("connect_ns"));
    s.latency_ns = Histogram::from_json(j.at("latency_ns"));
    j.at("event_count").get_to(s.event_count);
    j.at("event_sent_ns").get_to(s.event_sent_ns);
    j.at("event_last_ns").get_to(s.event_last_ns);
    return s;
}

} // namespace bench
