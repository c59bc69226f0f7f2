// What one set of subscribers saw: counts, histograms and per-event arrival times. Worker
// processes send theirs to the coordinator as JSON; merge() adds them up.
#pragma once

#include "histogram.hpp"

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

namespace bench {

struct PoolStats {
    uint32_t subscribers = 0;            // asked for
    uint32_t opened = 0;                 // reached an open stream
    uint64_t delivered = 0;              // distinct (subscriber, event) pairs received
    uint64_t duplicates = 0;             // an event a subscriber had already received
    uint64_t out_of_order = 0;           // an event older than one the subscriber already had
    uint64_t foreign = 0;                // events whose data is not a benchmark payload
    uint64_t disconnects = 0;            // streams the server closed during the run
    uint32_t subscribers_incomplete = 0; // missed at least one published event
    uint32_t subscribers_disordered = 0; // saw at least one duplicate or out-of-order event
    uint64_t first_connect_ns = 0;
    uint64_t last_open_ns = 0;
    uint64_t last_delivery_ns = 0;
    Histogram connect_ns;                // connect() to response headers, per subscriber
    Histogram latency_ns;                // publish to receive, per delivery
    std::vector<uint32_t> event_count;   // deliveries per event
    std::vector<uint64_t> event_sent_ns; // the event's send stamp (0: never seen)
    std::vector<uint64_t> event_last_ns; // when its last delivery arrived

    void merge(const PoolStats& other);
    nlohmann::json to_json() const;
    static PoolStats from_json(const nlohmann::json& j);
};

} // namespace bench
