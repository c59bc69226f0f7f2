// One look at a hub's /metrics for `ssehub stats`, and the summary made of it: the rows a
// person reads and the JSON object a script reads. Shared by the single summary and --watch.
#pragma once

#include "cli/client_options.hpp"
#include "cli/url.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ssehub::cli {

struct HubSample {
    uint64_t taken_ns = 0; // monotonic time the answer arrived
    uint64_t subscribers = 0, published = 0, deliveries = 0, dropped = 0, rejected = 0,
             uptime_s = 0;
    std::map<std::string, uint64_t> rejected_by_reason; // reasons with a non-zero count
};

// Fetches and reads /metrics; on failure sets `error` to the line to report.
bool take_sample(const ClientOptions& o, const Url& url, HubSample& out, std::string& error);

// How fast `counter` grew per second from `before` to `after`; nothing when no time passed or
// the hub restarted in between (its counters start again from 0).
std::optional<double> rate_between(const HubSample& before, const HubSample& after,
                                   uint64_t HubSample::*counter);

struct SummaryRow {
    std::string label; // "subscribers:", padded by the printer
    std::string value;
};

// hub, subscribers, events published, events/s (`rate_text`), deliveries, slow subscribers
// dropped, rejected requests (by reason), uptime: what `ssehub stats` prints, in that order.
std::vector<SummaryRow> summary_rows(const Url& url, const HubSample& s,
                                     const std::string& rate_text);
// "12.5 (over 1.0 s)", or "n/a (--interval 0)" without a rate.
std::string events_rate_text(std::optional<double> rate, double interval_s);
// Each row on a line: the label padded to 26 columns, then the value.
std::string human_summary(const std::vector<SummaryRow>& rows);
// One JSON object and a newline (the members ssehub.1 lists under --json).
std::string json_summary(const Url& url, const HubSample& s, std::optional<double> rate);

inline constexpr int summary_label_width = 26;

} // namespace ssehub::cli
