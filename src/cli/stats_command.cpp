// `ssehub stats`: GET /metrics (twice, --interval apart, to measure events/s) and a short
// summary for a person, or one JSON object for a script. Reads only; never changes the hub.
#include "cli/commands.hpp"
#include "cli/fetch.hpp"
#include "cli/prometheus_text.hpp"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

namespace ssehub::cli {

namespace {

constexpr uint64_t stats_timeout_ms = 10000;

struct HubSample {
    uint64_t taken_ns = 0; // monotonic time the answer arrived
    uint64_t subscribers = 0, published = 0, deliveries = 0, dropped = 0, rejected = 0,
             uptime_s = 0;
    std::map<std::string, uint64_t> rejected_by_reason; // reasons with a non-zero count
};

uint64_t as_count(double v) {
    return std::isfinite(v) && v > 0 ? static_cast<uint64_t>(std::llround(v)) : 0;
}

// Fetches and reads /metrics; on failure sets `error` to the line to report.
bool take_sample(const ClientOptions& o, const Url& url, HubSample& out, std::string& error) {
    out = HubSample();
    Request request;
    request.path = "/metrics";
    if (!o.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + o.token);
    FetchResult r = fetch(url, request, stats_timeout_ms);
    out.taken_ns = uv_hrtime();
    if (!r.error.empty()) {
        error = r.error;
        return false;
    }
    if (r.head.status != 200) {
        error = url.text + " answered " + one_line_reason(r) + " for /metrics";
        return false;
    }
    std::vector<MetricSample> samples = parse_prometheus_text(r.body);
    struct Wanted {
        const char* name;
        uint64_t* field;
    };
    const Wanted wanted[] = {
        {"ssehub_subscribers", &out.subscribers},
        {"ssehub_events_published_total", &out.published},
        {"ssehub_deliveries_total", &out.deliveries},
        {"ssehub_slow_subscribers_dropped_total", &out.dropped},
        {"ssehub_rejected_requests_total", &out.rejected},
        {"ssehub_uptime_seconds", &out.uptime_s},
    };
    for (const Wanted& w : wanted) {
        auto value = metric_sum(samples, w.name);
        if (!value) {
            error = url.text + "/metrics has no " + w.name + "; is this an ssehub hub?";
            return false;
        }
        *w.field = as_count(*value);
    }
    for (const MetricSample& s : samples) {
        if (s.name != "ssehub_rejected_requests_total" || as_count(s.value) == 0) continue;
        out.rejected_by_reason[label_value(s.labels, "reason").value_or("unknown")] +=
            as_count(s.value);
    }
    return true;
}

std::string duration_text(uint64_t s) {
    char buf[64];
    if (s >= 86400)
        std::snprintf(buf, sizeof buf, "%" PRIu64 "d %" PRIu64 "h %" PRIu64 "m", s / 86400,
                      s % 86400 / 3600, s % 3600 / 60);
    else if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%" PRIu64 "h %" PRIu64 "m %" PRIu64 "s", s / 3600,
                      s % 3600 / 60, s % 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%" PRIu64 "m %" PRIu64 "s", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%" PRIu64 "s", s);
    return buf;
}

std::string human_summary(const Url& url, const HubSample& s, std::optional<double> rate,
                          double interval_s) {
    auto row = [](const char* label, const std::string& value) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%-26s", label);
        return std::string(buf) + value + "\n";
    };
    std::string rejected = std::to_string(s.rejected);
    if (!s.rejected_by_reason.empty()) {
        rejected += " (";
        const char* sep = "";
        for (const auto& [reason, n] : s.rejected_by_reason) {
            rejected += sep + reason + " " + std::to_string(n);
            sep = ", ";
        }
        rejected += ")";
    }
    std::string rate_text = "n/a (--interval 0)";
    if (rate) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.1f (over %.1f s)", *rate, interval_s);
        rate_text = buf;
    }
    return row("hub:", url.text) + row("subscribers:", std::to_string(s.subscribers)) +
           row("events published:", std::to_string(s.published)) + row("events/s:", rate_text) +
           row("deliveries:", std::to_string(s.deliveries)) +
           row("slow subscribers dropped:", std::to_string(s.dropped)) +
           row("rejected requests:", rejected) + row("uptime:", duration_text(s.uptime_s));
}

std::string json_summary(const Url& url, const HubSample& s, std::optional<double> rate) {
    nlohmann::ordered_json doc;
    doc["url"] = url.text;
    doc["subscribers"] = s.subscribers;
    doc["events_published"] = s.published;
    doc["events_per_second"] = rate ? nlohmann::ordered_json(*rate) : nullptr;
    doc["deliveries"] = s.deliveries;
    doc["slow_subscribers_dropped"] = s.dropped;
    doc["rejected_requests"] = s.rejected;
    doc["rejected_requests_by_reason"] = s.rejected_by_reason;
    doc["uptime_seconds"] = s.uptime_s;
    return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

} // namespace

int run_stats(const ClientOptions& o, const Url& url) {
    HubSample first, last;
    std::string error;
    if (!take_sample(o, url, first, error)) {
        report("stats failed: " + error);
        return 1;
    }
    std::optional<double> rate;
    last = first;
    if (o.interval_s > 0) {
        uv_sleep(static_cast<unsigned>(std::llround(o.interval_s * 1000)));
        if (!take_sample(o, url, last, error)) {
            report("stats failed: " + error);
            return 1;
        }
        double elapsed = static_cast<double>(last.taken_ns - first.taken_ns) / 1e9;
        // A restarted hub starts its counters again: no rate from such a pair.
        if (elapsed > 0 && last.published >= first.published && last.uptime_s >= first.uptime_s)
            rate = static_cast<double>(last.published - first.published) / elapsed;
    }
    std::string text =
        o.json ? json_summary(url, last, rate) : human_summary(url, last, rate, o.interval_s);
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
        report(std::string("stats: cannot write to standard output: ") + std::strerror(errno));
        return 1;
    }
    return 0;
}

} // namespace ssehub::cli
