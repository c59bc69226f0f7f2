// Reads the Prometheus text exposition format well enough for `ssehub stats`: samples with
// their metric name, raw label set and value. Pure; unknown or malformed lines are skipped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssehub::cli {

struct MetricSample {
    std::string name;
    std::string labels; // inside the braces, as sent: reason="timeout",x="y"
    double value = 0;
};

std::vector<MetricSample> parse_prometheus_text(std::string_view text);

// Sum of every sample of that metric (all label sets); nothing when there is none.
std::optional<double> metric_sum(const std::vector<MetricSample>& samples, std::string_view name);

// Value of one label in a raw label set (escapes \" \\ \n undone); nothing when absent.
std::optional<std::string> label_value(std::string_view labels, std::string_view label);

} // namespace ssehub::cli
