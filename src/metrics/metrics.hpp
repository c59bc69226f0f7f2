// Layer metrics/: counters and their Prometheus text. Includes only base/; the layers above
// bump the counters, the application renders them at GET /metrics.
//
// Counters an operator reads at GET /metrics. Plain integers bumped on the loop thread: a few
// increments per event or per request, never per byte written in a loop.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ssehub::metrics {

// Why a request was refused; one label value each in ssehub_rejected_requests_total.
enum class Rejected : uint8_t {
    BadRequest,     // malformed HTTP or invalid publish input (400)
    HeaderTooLarge, // 431
    UriTooLong,     // 414
    BodyTooLarge,   // 413
    Timeout,        // request not received in time
    TooManySubscribers,
    OutOfDescriptors,
    Unauthorized, // 401
    Forbidden,    // 403
    NotFound,
    MethodNotAllowed,
    UnsupportedMediaType, // 415
    ShuttingDown,         // 503 while draining
    StateUnwritable,      // 503: no id can be issued safely
    Unavailable,          // 503: the event cannot be stored now (Redis down)
    CrossSite,            // 403: a browser publishing for a page of another site (CSRF)
    Count_
};
std::string_view label(Rejected r);

// Why a signed token, or the lack of one, refused a request (a 401 or a 403 also counted in
// Rejected); one label value each in ssehub_token_refusals_total.
enum class TokenRefusal : uint8_t {
    Missing,   // a private topic asked for without a token (401)
    Malformed, // the rest are the verifier's reasons (401)
    BadSignature,
    UnknownKey,
    Expired,
    NotYetValid,
    AlgorithmNotAllowed,
    NotAllowed, // a valid token that may not read or publish there (403)
    Count_
};
std::string_view label(TokenRefusal r);

// What a subscriber's stream runs on; one label value each in ssehub_subscribers_by_transport.
// A Unix socket is http1: the transport, not the network, is what an operator tunes.
enum class Transport : uint8_t { Http1, Tls, H2, Count_ };
std::string_view label(Transport t);

// Only with --redis: the link to Redis, shown at /metrics when `enabled`.
struct RedisMetrics {
    // Upper bounds (seconds) of the XADD round-trip histogram buckets; +Inf is implied.
    static constexpr std::array<double, 10> xadd_buckets = {0.0002, 0.0005, 0.001, 0.0025, 0.005,
                                                            0.01,   0.025,  0.05,  0.1,    1.0};
    bool enabled = false;
    bool up = false;              // both connections ready
    uint64_t reconnects = 0;      // connection attempts after a failure
    uint64_t read_lag_ms = 0;     // wall clock minus the id time of the newest entry read
    uint64_t entries_read = 0;    // stream entries taken by the XREAD reader
    uint64_t skipped_entries = 0; // entries not written by ssehub
    uint64_t history_pages = 0;   // XRANGE pages read for replays older than the ring
    uint64_t upstream_gaps = 0;   // times the stream no longer held the last id read
    std::array<uint64_t, xadd_buckets.size() + 1> xadd_counts{}; // per bucket, not cumulative
    double xadd_seconds_sum = 0;
    uint64_t xadd_count = 0;

    void observe_xadd(double seconds);
};

struct Metrics {
    uint64_t start_ms = 0;
    uint64_t subscribers = 0; // gauge
    // gauges: subscribers by transport (they add up to `subscribers`), and those of them that
    // /ssehub.js opened (it marks its streams with client=ssehub.js)
    std::array<uint64_t, static_cast<size_t>(Transport::Count_)> subscribers_by_transport{};
    uint64_t shared_streams = 0;
    uint64_t connections_open = 0; // gauge
    uint64_t connections_accepted = 0;
    uint64_t input_yields = 0; // pipelined input set aside for the next loop turn
    uint64_t events_published = 0;
    uint64_t deliveries = 0;
    uint64_t bytes_written = 0;
    uint64_t slow_subscribers_dropped = 0;
    uint64_t replays = 0;
    uint64_t replayed_events = 0;
    uint64_t gaps = 0;
    uint64_t heartbeats = 0;
    uint64_t tls_handshakes = 0;
    uint64_t tls_handshake_failures = 0; // bad hello, bad certificate, bad record, timeout
    uint64_t tls_plaintext = 0;          // plaintext (HTTP/1.x, say) sent to a TLS listener
    uint64_t h2_connections = 0;         // gauge
    uint64_t h2_streams = 0;             // gauge: open HTTP/2 streams of every kind
    uint64_t h2_streams_total = 0;
    uint64_t uring_sends = 0; // sends the kernel took from the io_uring ring (fan-out batches)
    std::array<uint64_t, static_cast<size_t>(Rejected::Count_)> rejected{};
    std::array<uint64_t, static_cast<size_t>(TokenRefusal::Count_)> token_refusals{};
    uint64_t tokens_verified = 0;
    uint64_t token_expiries = 0; // streams ended with ssehub.expired
    RedisMetrics redis;
    // The history log (--history-persist on, a lone hub); shown when history_enabled.
    bool history_enabled = false;
    uint64_t history_records_stored = 0;   // event records written to the log
    uint64_t history_records_lost = 0;     // event records whose write failed (not stored)
    uint64_t history_write_errors = 0;     // failed writes and fsyncs
    uint64_t history_unsynced_records = 0; // gauge: written, fsync still to come
    uint64_t history_disk_bytes = 0;       // gauge: bytes of the segment files
    bool history_failing = false;          // gauge: the last write or fsync failed

    void reject(Rejected r) { ++rejected[static_cast<size_t>(r)]; }
    void refuse_token(TokenRefusal r) { ++token_refusals[static_cast<size_t>(r)]; }
    // Prometheus text exposition format 0.0.4.
    std::string render(uint64_t now_ms) const;
};

} // namespace ssehub::metrics
