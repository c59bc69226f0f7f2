#include "cli/stats_sample.hpp"

#include "cli/fetch.hpp"
#include "cli/prometheus_text.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace ssehub::cli {

namespace {

constexpr uint64_t stats_timeout_ms = 10000;

uint64_t as_count(double v) {
    return std::isfinite(v) && v > 0 ? static_cast<uint64_t>(std::llround(v)) : 0;
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

} // namespace

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

std::optional<double> rate_between(const HubSample& before, const HubSample& after,
                                   uint64_t HubSample::*counter) {
    double elapsed = static_cast<double>(after.taken_ns - before.taken_ns) / 1e9;
    // A restarted hub starts its counters again: no rate from such a pair.
    if (after.taken_ns <= before.taken_ns || after.*counter < before.*counter ||
        after.uptime_s < before.uptime_s)
        return std::nullopt;
    return static_cast<double>(after.*counter - before.*counter) / elapsed;
}

std::string events_rate_text(std::optional<double> rate, double interval_s) {
    if (!rate) return "n/a (--interval 0)";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.1f (over %.1f s)", *rate, interval_s);
    return buf;
}

std::vector<SummaryRow> summary_rows(const Url& url, const HubSample& s,
                                     const std::string& rate_text) {
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
    return {{"hub:", url.text},
            {"subscribers:", std::to_string(s.subscribers)},
            {"events published:", std::to_string(s.published)},
            {"events/s:", rate_text},
            {"deliveries:", std::to_string(s.deliveries)},
            {"slow subscribers dropped:", std::to_string(s.dropped)},
            {"rejected requests:", rejected},
            {"uptime:", duration_text(s.uptime_s)}};
}

std::string human_summary(const std::vector<SummaryRow>& rows) {
    std::string out;
    for (const SummaryRow& row : rows) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%-*s", summary_label_width, row.label.c_str());
        out += buf + row.value + "\n";
    }
    return out;
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

} // namespace ssehub::cli
