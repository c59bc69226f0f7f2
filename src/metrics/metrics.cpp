#include "metrics/metrics.hpp"

#include <cstdio>

namespace ssehub::metrics {

std::string_view label(Rejected r) {
    switch (r) {
    case Rejected::BadRequest:
        return "bad_request";
    case Rejected::HeaderTooLarge:
        return "header_too_large";
    case Rejected::UriTooLong:
        return "uri_too_long";
    case Rejected::BodyTooLarge:
        return "body_too_large";
    case Rejected::Timeout:
        return "timeout";
    case Rejected::TooManySubscribers:
        return "too_many_subscribers";
    case Rejected::OutOfDescriptors:
        return "out_of_descriptors";
    case Rejected::Unauthorized:
        return "unauthorized";
    case Rejected::Forbidden:
        return "forbidden";
    case Rejected::NotFound:
        return "not_found";
    case Rejected::MethodNotAllowed:
        return "method_not_allowed";
    case Rejected::UnsupportedMediaType:
        return "unsupported_media_type";
    case Rejected::ShuttingDown:
        return "shutting_down";
    case Rejected::StateUnwritable:
        return "state_unwritable";
    case Rejected::Unavailable:
        return "unavailable";
    case Rejected::CrossSite:
        return "cross_site";
    case Rejected::Count_:
        break;
    }
    return "unknown";
}

std::string_view label(TokenRefusal r) {
    switch (r) {
    case TokenRefusal::Missing:
        return "missing";
    case TokenRefusal::Malformed:
        return "malformed";
    case TokenRefusal::BadSignature:
        return "bad_signature";
    case TokenRefusal::UnknownKey:
        return "unknown_key";
    case TokenRefusal::Expired:
        return "expired";
    case TokenRefusal::NotYetValid:
        return "not_yet_valid";
    case TokenRefusal::AlgorithmNotAllowed:
        return "algorithm_not_allowed";
    case TokenRefusal::NotAllowed:
        return "not_allowed";
    case TokenRefusal::Count_:
        break;
    }
    return "unknown";
}

std::string_view label(Transport t) {
    switch (t) {
    case Transport::Http1:
        return "http1";
    case Transport::Tls:
        return "tls";
    case Transport::H2:
        return "h2";
    case Transport::Count_:
        break;
    }
    return "unknown";
}

namespace {

// One metric with its HELP and TYPE lines; `labels` is empty or "{name=\"value\"}".
void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t value, std::string_view labels = {}) {
    out += "# HELP ssehub_";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ssehub_";
    out += name;
    out += ' ';
    out += type;
    out += "\nssehub_";
    out += name;
    out += labels;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

void render_redis(std::string& out, const RedisMetrics& r) {
    metric(out, "redis_up", "gauge", "1 when both Redis connections are ready, else 0.", r.up);
    metric(out, "redis_reconnects_total", "counter", "Redis connection attempts after a failure.",
           r.reconnects);
    metric(out, "redis_read_lag_milliseconds", "gauge",
           "Wall clock minus the time in the id of the newest stream entry read.", r.read_lag_ms);
    metric(out, "redis_entries_read_total", "counter", "Stream entries read by XREAD.",
           r.entries_read);
    metric(out, "redis_skipped_entries_total", "counter",
           "Stream entries skipped because ssehub did not write them.", r.skipped_entries);
    metric(out, "redis_history_pages_total", "counter",
           "XRANGE pages read for replays older than the ring.", r.history_pages);
    metric(out, "redis_upstream_gaps_total", "counter",
           "Times the stream no longer held the last id read (after a reconnection, or "
           "trimmed past a node that fell behind).",
           r.upstream_gaps);
    out += "# HELP ssehub_redis_xadd_duration_seconds Time from XADD sent to Redis's reply.\n"
           "# TYPE ssehub_redis_xadd_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    char bound[32];
    for (size_t i = 0; i <= RedisMetrics::xadd_buckets.size(); ++i) {
        cumulative += r.xadd_counts[i];
        if (i < RedisMetrics::xadd_buckets.size())
            std::snprintf(bound, sizeof bound, "%g", RedisMetrics::xadd_buckets[i]);
        else
            std::snprintf(bound, sizeof bound, "+Inf");
        out += "ssehub_redis_xadd_duration_seconds_bucket{le=\"";
        out += bound;
        out += "\"} " + std::to_string(cumulative) + "\n";
    }
    std::snprintf(bound, sizeof bound, "%.6f", r.xadd_seconds_sum);
    out += "ssehub_redis_xadd_duration_seconds_sum ";
    out += bound;
    out += "\nssehub_redis_xadd_duration_seconds_count " + std::to_string(r.xadd_count) + "\n";
}

} // namespace

void RedisMetrics::observe_xadd(double seconds) {
    size_t i = 0;
    while (i < xadd_buckets.size() && seconds > xadd_buckets[i])
        ++i;
    ++xadd_counts[i];
    xadd_seconds_sum += seconds;
    ++xadd_count;
}

std::string Metrics::render(uint64_t now_ms) const {
    std::string out;
    out.reserve(4096);
    out += "# HELP ssehub_build_info Version of the running hub.\n# TYPE ssehub_build_info gauge\n";
    out += "ssehub_build_info{version=\"" SSEHUB_VERSION "\"} 1\n";
    metric(out, "subscribers", "gauge", "Connected subscribers.", subscribers);
    out += "# HELP ssehub_subscribers_by_transport Connected subscribers, by transport (http1: "
           "plain HTTP/1.1, tls: HTTP/1.1 over TLS, h2: HTTP/2 streams).\n"
           "# TYPE ssehub_subscribers_by_transport gauge\n";
    for (size_t i = 0; i < subscribers_by_transport.size(); ++i) {
        out += "ssehub_subscribers_by_transport{transport=\"";
        out += label(static_cast<Transport>(i));
        out += "\"} ";
        out += std::to_string(subscribers_by_transport[i]);
        out += '\n';
    }
    metric(out, "shared_streams", "gauge",
           "Connected subscribers opened by /ssehub.js (one stream shared by a browser's tabs).",
           shared_streams);
    metric(out, "connections", "gauge", "Open client connections (subscribers included).",
           connections_open);
    metric(out, "connections_accepted_total", "counter", "Connections accepted.",
           connections_accepted);
    metric(out, "input_yields_total", "counter",
           "Times a connection's pipelined requests were set aside for the next loop turn.",
           input_yields);
    metric(out, "events_published_total", "counter", "Events published.", events_published);
    metric(out, "deliveries_total", "counter", "Events queued to a subscriber (live and replay).",
           deliveries);
    metric(out, "bytes_written_total", "counter",
           "Bytes queued to subscriber sockets (stream openings, events, gaps, heartbeats).",
           bytes_written);
    metric(out, "slow_subscribers_dropped_total", "counter",
           "Subscribers closed because their queued output passed max-queued-bytes.",
           slow_subscribers_dropped);
    metric(out, "replays_total", "counter", "Subscriptions that resumed with a Last-Event-ID.",
           replays);
    metric(out, "replayed_events_total", "counter", "Events sent from the replay ring.",
           replayed_events);
    metric(out, "gaps_total", "counter", "ssehub.gap events sent (resume point not retained).",
           gaps);
    metric(out, "heartbeats_total", "counter", "Heartbeat comments sent.", heartbeats);
    if (history_enabled) {
        metric(out, "history_records_stored_total", "counter",
               "Events written to the history log in the state directory.", history_records_stored);
        metric(out, "history_records_lost_total", "counter",
               "Events delivered live but not stored: their write to the history log failed.",
               history_records_lost);
        metric(out, "history_write_errors_total", "counter",
               "Failed writes and fsyncs of the history log (disk full, I/O error).",
               history_write_errors);
        metric(out, "history_unsynced_records", "gauge",
               "Events written to the history log whose fsync is still to come.",
               history_unsynced_records);
        metric(out, "history_disk_bytes", "gauge", "Bytes of the history log's segment files.",
               history_disk_bytes);
        metric(out, "history_failing", "gauge",
               "1 while the history log cannot be written (see /healthz), else 0.",
               uint64_t{history_failing});
    }
    out += "# HELP ssehub_rejected_requests_total Requests refused, by reason.\n"
           "# TYPE ssehub_rejected_requests_total counter\n";
    for (size_t i = 0; i < rejected.size(); ++i) {
        out += "ssehub_rejected_requests_total{reason=\"";
        out += label(static_cast<Rejected>(i));
        out += "\"} ";
        out += std::to_string(rejected[i]);
        out += '\n';
    }
    out += "# HELP ssehub_token_refusals_total Requests refused for their signed token (or its "
           "absence), by reason.\n"
           "# TYPE ssehub_token_refusals_total counter\n";
    for (size_t i = 0; i < token_refusals.size(); ++i) {
        out += "ssehub_token_refusals_total{reason=\"";
        out += label(static_cast<TokenRefusal>(i));
        out += "\"} ";
        out += std::to_string(token_refusals[i]);
        out += '\n';
    }
    metric(out, "tokens_verified_total", "counter", "Signed tokens whose signature checked out.",
           tokens_verified);
    metric(out, "token_expiries_total", "counter",
           "Subscriptions ended with ssehub.expired because their token expired.", token_expiries);
    out += "# HELP ssehub_tls_handshake_failures_total TLS connections closed before the "
           "handshake completed, by reason.\n"
           "# TYPE ssehub_tls_handshake_failures_total counter\n"
           "ssehub_tls_handshake_failures_total{reason=\"handshake\"} ";
    out += std::to_string(tls_handshake_failures);
    out += "\nssehub_tls_handshake_failures_total{reason=\"plaintext\"} ";
    out += std::to_string(tls_plaintext);
    out += '\n';
    metric(out, "tls_handshakes_total", "counter", "TLS handshakes completed.", tls_handshakes);
    // Prometheus allows digits in names, our metric names keep to letters: "h2" is a label.
    constexpr std::string_view h2_label = "{protocol=\"h2\"}";
    metric(out, "multiplexed_connections", "gauge",
           "Open connections that carry many streams, by protocol.", h2_connections, h2_label);
    metric(out, "multiplexed_streams", "gauge",
           "Open streams of multiplexed connections (subscriptions and requests).", h2_streams,
           h2_label);
    metric(out, "multiplexed_streams_total", "counter",
           "Streams opened by clients on multiplexed connections.", h2_streams_total, h2_label);
    metric(out, "uring_sends_total", "counter",
           "Sends handed to the kernel through the io_uring ring (0: one send() per delivery).",
           uring_sends);
    if (redis.enabled) render_redis(out, redis);
    metric(out, "uptime_seconds", "gauge", "Seconds since the hub started.",
           (now_ms - start_ms) / 1000);
    return out;
}

} // namespace ssehub::metrics
