#include "metrics/metrics.hpp"

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
    case Rejected::Count_:
        break;
    }
    return "unknown";
}

namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t value) {
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
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

void labelled(std::string& out, std::string_view name, std::string_view type, std::string_view help,
              uint64_t h2_value) {
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
    out += "{protocol=\"h2\"} ";
    out += std::to_string(h2_value);
    out += '\n';
}

} // namespace

std::string Metrics::render(uint64_t now_ms) const {
    std::string out;
    out.reserve(4096);
    out += "# HELP ssehub_build_info Version of the running hub.\n# TYPE ssehub_build_info gauge\n";
    out += "ssehub_build_info{version=\"" SSEHUB_VERSION "\"} 1\n";
    metric(out, "subscribers", "gauge", "Connected subscribers.", subscribers);
    metric(out, "connections", "gauge", "Open client connections (subscribers included).",
           connections_open);
    metric(out, "connections_accepted_total", "counter", "Connections accepted.",
           connections_accepted);
    metric(out, "events_published_total", "counter", "Events published.", events_published);
    metric(out, "deliveries_total", "counter", "Events queued to a subscriber (live and replay).",
           deliveries);
    metric(out, "bytes_written_total", "counter", "Bytes queued to subscriber sockets (stream openings, events, gaps, heartbeats).",
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
    out += "# HELP ssehub_rejected_requests_total Requests refused, by reason.\n"
           "# TYPE ssehub_rejected_requests_total counter\n";
    for (size_t i = 0; i < rejected.size(); ++i) {
        out += "ssehub_rejected_requests_total{reason=\"";
        out += label(static_cast<Rejected>(i));
        out += "\"} ";
        out += std::to_string(rejected[i]);
        out += '\n';
    }
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
    labelled(out, "multiplexed_connections", "gauge",
             "Open connections that carry many streams, by protocol.", h2_connections);
    labelled(out, "multiplexed_streams", "gauge",
             "Open streams of multiplexed connections (subscriptions and requests).", h2_streams);
    labelled(out, "multiplexed_streams_total", "counter",
             "Streams opened by clients on multiplexed connections.", h2_streams_total);
    metric(out, "uptime_seconds", "gauge", "Seconds since the hub started.",
           (now_ms - start_ms) / 1000);
    return out;
}

} // namespace ssehub::metrics
